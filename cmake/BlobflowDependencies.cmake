# All third-party dependencies come from Debian 12 packages (cmake/setup-debian.sh installs the missing ones).
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(Boost 1.74 REQUIRED COMPONENTS iostreams filesystem)  # odeint, math: header-only; the rest for gnuplot-iostream
find_package(tomlplusplus 3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# FFTW3 (the grid/FFT summation engine in solvers/) ships a pkg-config file and no CMake configuration in Debian.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)
# Google Highway (the SIMD engines' portable vector kernel with run-time dispatch), likewise: libhwy-dev.
pkg_check_modules(HWY REQUIRED IMPORTED_TARGET libhwy)

# gnuplot-iostream ships a single header and no CMake configuration.
find_path(GNUPLOT_IOSTREAM_INCLUDE_DIR gnuplot-iostream.h REQUIRED)
add_library(blobflow_gnuplot_iostream INTERFACE)
target_include_directories(blobflow_gnuplot_iostream SYSTEM INTERFACE ${GNUPLOT_IOSTREAM_INCLUDE_DIR})
target_link_libraries(blobflow_gnuplot_iostream INTERFACE Boost::iostreams Boost::filesystem Boost::headers)
add_library(blobflow::gnuplot_iostream ALIAS blobflow_gnuplot_iostream)

if(BLOBFLOW_WITH_MPI)
  set(MPI_CXX_SKIP_MPICXX ON)  # the C API from C++, without the deprecated MPI-2 C++ bindings
  find_package(MPI REQUIRED COMPONENTS CXX)  # Debian: libopenmpi-dev (mpirun: openmpi-bin)
endif()

if(BLOBFLOW_BUILD_TESTS)
  find_package(GTest REQUIRED)
  find_package(rapidcheck CONFIG REQUIRED)
endif()

# LEMON (network simplex for exact discrete optimal transport in analysis/) has no CMake configuration in Debian.
find_path(LEMON_INCLUDE_DIR lemon/network_simplex.h REQUIRED)
find_library(LEMON_LIBRARY lemon REQUIRED)
add_library(blobflow_lemon INTERFACE)
target_include_directories(blobflow_lemon SYSTEM INTERFACE ${LEMON_INCLUDE_DIR})
target_link_libraries(blobflow_lemon INTERFACE ${LEMON_LIBRARY})
add_library(blobflow::lemon ALIAS blobflow_lemon)
