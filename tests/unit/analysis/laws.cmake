# Laws on R^d integrated over convex cells, the continuous side of semi-discrete optimal transport (law_nd.hpp).
blobflow_add_test(test_laws SOURCES test_law_nd.cpp LIBS blobflow::analysis LABELS unit)
# The closed-form MMD against Gaussian mixtures, checked by Monte Carlo.
blobflow_add_test(test_mmd SOURCES test_mmd.cpp LIBS blobflow::analysis LABELS unit)
