# Convex cells and power diagrams, the geometry of semi-discrete optimal transport (convex_cell.hpp, power_diagram.hpp).
blobflow_add_test(test_geometry
  SOURCES test_convex_cell.cpp test_power_diagram.cpp
  LIBS blobflow::analysis
  LABELS unit)
