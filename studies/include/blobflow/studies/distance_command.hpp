// `blobflow distance A.csv (B.csv | --exact SPEC) [-p 1|2|inf] [--time T]`: the Wasserstein distance between the
// particles of a particles.csv file and either the particles of another one or an exact law (docs/architecture.md "The
// command line"). Exact in 1D for p = 1, 2, inf (wasserstein1d.hpp); W2 only in 2D and 3D: exact network simplex
// between two files, and against an exact density by quadrature refinement with the remaining uncertainty
// (wasserstein2d.hpp).
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace blobflow {

/// The particles of one time of a particles.csv file (columns t,i,x1[,x2,x3][,mass]).
struct ParticleSnapshot {
  int dimension = 1;
  double t = 0.0;
  std::vector<double> x;       ///< flat, point i is x[i d .. i d + d - 1]
  std::vector<double> masses;  ///< from the mass column, or all 1 when there is none
  bool has_mass = false;       ///< the file has a mass column
};

/// Reads the snapshot at time `time` (or the last time in the file when time is NaN) from a particles.csv file.
/// Rows of other times are skipped; a time matches when it equals `time` to 1e-12 relative.
/// \throws std::invalid_argument naming the file, the line and the rule for a missing file, a bad header, a row with
/// the wrong number of fields or a field that is not a finite number, a negative mass, or no row at that time.
ParticleSnapshot read_particles_csv(const std::string& path, double time);

/// Runs the distance command; argv[1] is "distance". Prints to `out`, errors to `err`. Returns the exit code:
/// 0 success, 1 run-time failure, 2 bad usage or bad input (the message names the file, line or option and the rule).
int command_distance(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace blobflow
