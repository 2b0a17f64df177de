# Paper-ready tables and figures: declared symbols, rates.tex, the paper terminals, slope triangles.
blobflow_add_test(test_paper SOURCES test_paper.cpp LIBS blobflow::reports nlohmann_json::nlohmann_json LABELS unit)
