# `mpirun -n 2 blobflow study` gives the records of `-j 1` (only when built with BLOBFLOW_WITH_MPI).
if(BLOBFLOW_WITH_MPI)
  blobflow_add_test(test_cli_mpi SOURCES test_cli_mpi.cpp LIBS nlohmann_json::nlohmann_json LABELS cli)
  target_compile_definitions(test_cli_mpi PRIVATE
    BLOBFLOW_EXE="$<TARGET_FILE:blobflow>"
    BLOBFLOW_CONFIGS="${PROJECT_SOURCE_DIR}/studies/configs"
    BLOBFLOW_MPIEXEC="${MPIEXEC_EXECUTABLE}")
  add_dependencies(test_cli_mpi blobflow)
endif()
