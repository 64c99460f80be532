print("clus")
