// The HDF5 C library (Debian's libhdf5-dev, serial build), for AnnData .h5ad files.
// HDF5 names its native types and defaults with macros that expand to global variables after a
// library-open call; Swift cannot import those, so these inline functions return them.
#include <hdf5.h>

static inline hid_t clus_h5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t clus_h5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t clus_h5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t clus_h5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t clus_h5_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t clus_h5_c_s1(void) { return H5T_C_S1; }
static inline hid_t clus_h5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t clus_h5_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t clus_h5_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t clus_h5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t clus_h5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t clus_h5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t clus_h5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t clus_h5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t clus_h5_s_all(void) { return H5S_ALL; }
static inline unsigned clus_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned clus_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline size_t clus_h5_variable(void) { return H5T_VARIABLE; }
/// Turns off HDF5's printing of error stacks to stderr (clus reports its own message).
static inline void clus_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
