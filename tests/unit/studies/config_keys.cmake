# The configuration key table: JSON round trips, validate() on configurations built in code, the README's key table.
blobflow_add_test(test_config_keys SOURCES test_config_keys.cpp LIBS blobflow::studies LABELS unit)
target_compile_definitions(test_config_keys PRIVATE BLOBFLOW_README="${PROJECT_SOURCE_DIR}/README.md")
