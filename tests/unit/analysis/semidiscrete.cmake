# Semi-discrete optimal transport: exact W2 between particles and a law with a density (semidiscrete_ot.hpp).
blobflow_add_test(test_semidiscrete_ot
  SOURCES test_semidiscrete_ot.cpp
  LIBS blobflow::analysis
  LABELS unit)
