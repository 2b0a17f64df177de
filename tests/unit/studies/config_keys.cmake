# The configuration key table: JSON round trips, validate() on configurations built in code, the defaults.
blobflow_add_test(test_config_keys SOURCES test_config_keys.cpp LIBS blobflow::studies LABELS unit)
