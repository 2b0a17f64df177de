# `blobflow study` end to end: kill -9 in the middle of a study, then --resume; `blobflow report`.
blobflow_add_test(test_cli_study SOURCES test_cli_study.cpp LIBS nlohmann_json::nlohmann_json LABELS cli)
target_compile_definitions(test_cli_study PRIVATE
  BLOBFLOW_EXE="$<TARGET_FILE:blobflow>"
  BLOBFLOW_CONFIGS="${PROJECT_SOURCE_DIR}/studies/configs")
add_dependencies(test_cli_study blobflow)
