# Malformed and hostile inputs: each is refused with its key, value and rule, or bounded by a stated limit.
blobflow_add_test(test_hardening
  SOURCES test_hardening.cpp
  LIBS blobflow::studies
  LABELS unit)
