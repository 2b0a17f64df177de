# The target experiment's study keys and report figures (divergences, densities, floor) and the built-in studies.
blobflow_add_test(test_study_figures SOURCES test_study_figures.cpp LIBS blobflow::studies blobflow::reports LABELS unit)
