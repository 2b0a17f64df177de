# Build facts recorded in every run's manifest: version, git revision, compiler and flags.
find_package(Git QUIET)
set(BLOBFLOW_GIT_REVISION "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _rev)
    set(BLOBFLOW_GIT_REVISION "${_rev}")
  endif()
endif()
string(TOUPPER "${CMAKE_BUILD_TYPE}" _bt)
set(BLOBFLOW_CXX_FLAGS "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_bt}}")
string(STRIP "${BLOBFLOW_CXX_FLAGS}" BLOBFLOW_CXX_FLAGS)
set(BLOBFLOW_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/build_info.hpp.in
               ${PROJECT_BINARY_DIR}/generated/blobflow/build_info.hpp @ONLY)
