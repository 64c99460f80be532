import Algorithms

// Commands built on neighbourhoods: `trustworthiness` (an embedding's score).

func registerNeighborhoods(_ t: inout CommandTable) {
  t.register(Command(
    "trustworthiness", group: "scores",
    summary: "How well an embedding keeps each point's nearest neighbours, as sklearn.manifold.trustworthiness (euclidean; 1 is perfect)",
    args: [
      ArgSpec("data", .matrix, "the original n × d data"),
      ArgSpec("embedding", .matrix, "its n × d′ embedding (the same points in the same order)"),
    ],
    params: [ParamSpec("n_neighbors", .int, .int(15), .atLeast(1), "k, the neighbourhood size; must be < n/2 (scikit-learn's default is 5)")],
    examples: ["trustworthiness x e", "trustworthiness mnist.data e n_neighbors=5"]
  ) { inv in
    .float(try trustworthiness(inv.matrix(0), inv.matrix(1), nNeighbors: inv.int("n_neighbors"), context: inv.context))
  })
}
