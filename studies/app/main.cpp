// The blobflow executable; all logic lives in studies/src/cli.cpp.
#include "blobflow/studies/cli.hpp"

int main(int argc, char** argv) { return blobflow::cli_main(argc, argv); }
