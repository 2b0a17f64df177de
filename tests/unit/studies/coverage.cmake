# Coverage control at the level of a run: the coverage cost's closed forms, Lloyd's fixed point, the locality of the
# blob agents, drop-out events and the rules of [coverage].
blobflow_add_test(test_coverage
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_coverage.cpp
  LIBS blobflow::studies
  LABELS unit)
