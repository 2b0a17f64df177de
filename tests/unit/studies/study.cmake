# Study files, the threaded runner and the study report.
blobflow_add_test(test_study SOURCES test_study.cpp LIBS blobflow::studies blobflow::reports LABELS unit)
