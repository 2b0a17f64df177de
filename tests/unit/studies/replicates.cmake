# Random placement and replicates: the sampler's law, seeds, the study expansion and the report's aggregation.
blobflow_add_test(test_replicates SOURCES test_replicates.cpp LIBS blobflow::studies blobflow::reports LABELS unit)
