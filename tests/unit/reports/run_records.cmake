# Reading runs.jsonl: torn, incomplete and mistyped records.
blobflow_add_test(test_run_records SOURCES test_run_records.cpp LIBS blobflow::reports LABELS unit)
