// The `blobflow distance` command (distance_command.hpp): reads particles.csv snapshots, parses an exact-law SPEC
// and prints W_p. The distances themselves live in analysis/ (wasserstein1d.hpp, wasserstein2d.hpp); this file only
// maps files and options onto them. Both measures are divided by their masses (docs/architecture.md "Distances").
#include "blobflow/studies/distance_command.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

#include "blobflow/analysis/barenblatt.hpp"
#include "blobflow/analysis/law1d.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/analysis/wasserstein2d.hpp"
#include "blobflow/reports/table.hpp"
#include "blobflow/studies/law_spec.hpp"
#include "blobflow/studies/message.hpp"

namespace blobflow {
namespace {

constexpr int kExitOk = 0;

/// The most arcs of an exact discrete transport (N M between two files, N c^d against a grid of c cells per axis):
/// the network simplex keeps about 90 bytes per arc (measured: 2000 x 2000 particles in 2D, 4e6 arcs, 355 MB and
/// 2.3 s), so 1.6e7 arcs (4000 x 4000) need about 1.4 GB and tens of seconds; more exhausts memory or time.
constexpr double kMaxTransportArcs = 1.6e7;
/// The most particles of a semi-discrete transport per dimension: docs/performance.md §8 measures 5 to 11 s at
/// N = 1e5 in 2D and 9 to 14 s at N = 1e4 in 3D, growing slightly faster than N; twice those sizes stay within a
/// minute, while N = 1e6 in 2D exhausts memory.
constexpr std::size_t kMaxSemiDiscreteParticles2D = 200000;
constexpr std::size_t kMaxSemiDiscreteParticles3D = 20000;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
/// Two times in a file are the same output time when they agree to this relative tolerance (they are written with
/// 17 significant digits, so equal times agree exactly; 1e-12 also accepts a --time typed with fewer digits).
constexpr double kTimeMatchTolerance = 1e-12;

/// The usage text; the list of exact laws comes from law_spec.cpp's table.
std::string distance_usage() {
  return R"(usage: blobflow distance A.csv (B.csv | --exact SPEC) [-p 1|2|inf] [--time T] [--json]
                         [--grid [--max-cells N] [--tolerance REL]]

Prints the Wasserstein distance W_p between the particles of A.csv and those of B.csv, or an exact law. Files have
the columns of particles.csv: t,i,x1[,x2,x3][,mass] (equal masses when there is no mass column). The snapshot at
the last time in each file is used, or the one at time T. Both measures are divided by their masses; W_p is printed,
not W_p^p.
  1D: exact W1, W2 and W-inf (monotone coupling), against particles or a law with a quantile function
      (barenblatt, uniform, ball, gaussian); W2 by semi-discrete transport against a mixture.
  2D, 3D: W2 only. Between two files: exact discrete optimal transport (network simplex; N M arcs, for up to a
      few thousand particles). Against an exact law: semi-discrete optimal transport (power cells and Newton's
      method, docs/math.md §6.1), exact up to the printed residual; exit code 1 if it did not converge.
  -p 1|2|inf        which distance (default: W1, W2 and W-inf where exact in 1D, else W2)
  --time T          use the snapshot at time T in every file (a T no file has: the message lists its times)
  --json            print one JSON object (the files, their times and sizes, the distances, the method)
  --grid            2D/3D cross-check instead: exact discrete transport to a midpoint quadrature of the density,
                    refined from 16 cells per axis until two refinements agree to REL (--tolerance, default 1e-3)
                    or N cells per axis (--max-cells, default 64); it prints the change of the last refinement
  --exact SPEC      an exact law (VALUE: one number, or several separated by spaces, then quote the SPEC):
)" + exact_law_help() + "exit codes: 0 success, 1 run-time failure or no convergence, 2 bad usage or bad input\n";
}

/// Bad usage or bad input: exit code 2.
struct DistanceUsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::string format(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.12e", value);
  return buffer;
}

std::optional<double> parse_double(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

/// Splits on commas without copying.
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

bool same_time(double a, double b) { return std::abs(a - b) <= kTimeMatchTolerance * std::max(1.0, std::abs(b)); }

}  // namespace

ParticleSnapshot read_particles_csv(const std::string& path, double time) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot open the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::string_view rest(text);
  std::size_t line_number = 0;
  auto next_line = [&]() -> std::optional<std::string_view> {
    if (rest.empty()) return std::nullopt;
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++line_number;
    return line;
  };
  const auto where = [&]() { return path + ":" + std::to_string(line_number) + ": "; };
  const auto quoted = [](std::string_view field) { return "\"" + clip_for_message(trim(field)) + "\""; };

  const std::optional<std::string_view> header = next_line();
  if (!header) throw std::invalid_argument(path + ": the file is empty (expected the header t,i,x1[,x2,x3][,mass])");
  const std::vector<std::string_view> names = split(*header);
  std::vector<std::string> columns;
  for (const auto n : names) columns.push_back(trim(n));
  int dimension = 0;
  constexpr std::array<std::string_view, 3> kCoordinateNames = {"x1", "x2", "x3"};
  while (dimension < 3 && 2 + dimension < static_cast<int>(columns.size()) &&
         columns[static_cast<std::size_t>(2 + dimension)] == kCoordinateNames[static_cast<std::size_t>(dimension)])
    ++dimension;
  const bool has_mass = static_cast<int>(columns.size()) == 3 + dimension && columns.back() == "mass";
  if (columns.size() < 3 || columns[0] != "t" || columns[1] != "i" || dimension < 1 || dimension > 3 ||
      static_cast<int>(columns.size()) != 2 + dimension + (has_mass ? 1 : 0))
    throw std::invalid_argument(where() + "header \"" + clip_for_message(*header) +
                             "\": must be t,i,x1[,x2,x3][,mass] (the columns of particles.csv)");
  const std::size_t n_fields = columns.size();

  // One pass: keep the rows of the wanted time, or of the latest time seen so far.
  const bool want_last = std::isnan(time);
  ParticleSnapshot s;
  s.dimension = dimension;
  s.has_mass = has_mass;
  bool found = false;
  std::vector<double> times;  // the times of the file, for the message of a --time it lacks
  while (const std::optional<std::string_view> line = next_line()) {
    if (line->empty() || *line == "\r") continue;
    const std::vector<std::string_view> fields = split(*line);
    if (fields.size() != n_fields)
      throw std::invalid_argument(where() + "expected " + std::to_string(n_fields) + " comma-separated values, found " +
                               std::to_string(fields.size()));
    const std::optional<double> t = parse_double(fields[0]);
    if (!t) throw std::invalid_argument(where() + "t = " + quoted(fields[0]) + ": must be a finite number");
    const std::optional<double> index = parse_double(fields[1]);
    if (!index || *index < 0.0 || *index != std::floor(*index))
      throw std::invalid_argument(where() + "i = " + quoted(fields[1]) + ": must be an integer >= 0 (the particle)");
    if (times.empty() || !same_time(*t, times.back())) times.push_back(*t);  // rows come grouped by time
    if (want_last) {
      if (found && *t < s.t) continue;
      if (!found || !same_time(*t, s.t)) {
        s.x.clear();
        s.masses.clear();
        s.t = *t;
        found = true;
      }
    } else {
      if (!same_time(*t, time)) continue;
      s.t = *t;
      found = true;
    }
    for (int k = 0; k < dimension; ++k) {
      const std::string_view field = fields[static_cast<std::size_t>(2 + k)];
      const std::optional<double> v = parse_double(field);
      if (!v)
        throw std::invalid_argument(where() + "x" + std::to_string(k + 1) + " = " + quoted(field) +
                                 ": must be a finite number");
      s.x.push_back(*v);
    }
    double mass = 1.0;
    if (has_mass) {
      const std::optional<double> v = parse_double(fields.back());
      if (!v || *v < 0.0)
        throw std::invalid_argument(where() + "mass = " + quoted(fields.back()) + ": must be a finite number >= 0");
      mass = *v;
    }
    s.masses.push_back(mass);
  }
  double total_mass = 0.0;
  for (const double m : s.masses) total_mass += m;
  if (found && (!(total_mass > 0.0) || !std::isfinite(total_mass)))
    throw std::invalid_argument(path + ": the masses at t = " + format(s.t) + " sum to " + format(total_mass) +
                                ": must be finite and > 0");
  if (!found && !want_last) {
    constexpr std::size_t kTimesShown = 20;  // a file with thousands of output times: the first ones and a count
    std::string listed;
    for (std::size_t k = 0; k < std::min(times.size(), kTimesShown); ++k)
      listed += (k ? ", " : "") + reports::format_shortest(times[k]);
    if (times.size() > kTimesShown) listed += ", ... (" + std::to_string(times.size()) + " times)";
    throw std::invalid_argument(path + ": no rows at t = " + reports::format_shortest(time) + " (--time); " +
                                (times.empty() ? std::string("the file has no particle rows")
                                               : "its times are t = " + listed));
  }
  if (!found) throw std::invalid_argument(path + ": no particle rows after the header");
  return s;
}

namespace {

std::string format_count(double n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", n);
  return buffer;
}

std::string p_name(const std::string& p) { return p == "inf" ? "Winf" : "W" + p; }

double pick(const analysis::WassersteinDistances& d, const std::string& p) {
  return p == "1" ? d.w1 : p == "2" ? d.w2 : d.winf;
}

/// The cross-check of the semi-discrete W2: exact discrete transport to a refined midpoint quadrature of the density.
int grid_cross_check(const ParticleSnapshot& a, const analysis::LawND& law, const analysis::QuadratureRefinement& refinement,
                     std::ostream& out, nlohmann::json& json) {
  analysis::DensityOnBox density;
  const analysis::Box box = law.support_box();
  density.dimension = box.dimension;
  density.lo = box.lo;
  density.hi = box.hi;
  density.density = [&law](std::span<const double> x) {
    analysis::Point3 p{};
    std::copy(x.begin(), x.end(), p.begin());
    return law.density(p);
  };
  const analysis::RefinedDistance r = analysis::wasserstein2_to_density(a.x, a.masses, density, refinement);
  out << "W2 = " << format(r.w2) << " +- " << format(r.uncertainty) << "   (exact discrete transport to a midpoint "
      << "quadrature of " << r.cells_per_axis << "^" << a.dimension << " cells; uncertainty = change from the previous "
      << "grid" << (r.converged ? "" : "; NOT converged to the tolerance: raise --max-cells") << ")\n";
  json["w2"] = r.w2;
  json["uncertainty"] = r.uncertainty;
  json["method"] = "exact discrete transport to a midpoint quadrature";
  json["cells_per_axis"] = r.cells_per_axis;
  json["converged"] = r.converged;
  return kExitOk;
}

/// The 1D distances: the one of -p, or all three (p empty); text and JSON.
void print_1d(const analysis::WassersteinDistances& w, const std::string& p, const std::string& method,
              std::ostream& out, nlohmann::json& json) {
  for (const std::string q : {"1", "2", "inf"}) {
    if (!p.empty() && p != q) continue;
    out << p_name(q) << " = " << format(pick(w, q)) << "   (exact, " << method << ")\n";
    json[q == "inf" ? "winf" : "w" + q] = pick(w, q);
  }
  json["method"] = "exact, " + method;
}

nlohmann::json snapshot_json(const std::string& file, const ParticleSnapshot& s) {
  return {{"file", file}, {"t", s.t}, {"n", s.masses.size()}, {"d", s.dimension}};
}

/// The distance between two files.
int distance_between_files(const std::vector<std::string>& files, const ParticleSnapshot& a, const std::string& p,
                           double time, std::ostream& out, nlohmann::json& json) {
  const int d = a.dimension;
  const ParticleSnapshot b = read_particles_csv(files[1], time);
  out << "B: " << files[1] << " (t = " << b.t << ", N = " << b.masses.size() << ", d = " << b.dimension << ")\n";
  json["b"] = snapshot_json(files[1], b);
  if (b.dimension != d)
    throw std::invalid_argument(files[1] + ": dimension " + std::to_string(b.dimension) + ": must equal that of " +
                                files[0] + " (" + std::to_string(d) + ")");
  if (d == 1) {
    print_1d(analysis::wasserstein_1d(a.x, a.masses, b.x, b.masses), p, "monotone coupling", out, json);
    return kExitOk;
  }
  const double arcs = double(a.masses.size()) * double(b.masses.size());
  if (arcs > kMaxTransportArcs)
    throw std::invalid_argument(files[0] + " x " + files[1] + ": N x M = " + std::to_string(a.masses.size()) +
                                " x " + std::to_string(b.masses.size()) + " transport arcs: must be at most " +
                                format_count(kMaxTransportArcs) + " (memory and time of the network simplex)");
  const double w2 = analysis::wasserstein2_discrete(d, a.x, a.masses, b.x, b.masses);
  out << "W2 = " << format(w2) << "   (exact discrete optimal transport, network simplex)\n";
  json["w2"] = w2;
  json["method"] = "exact discrete optimal transport, network simplex";
  return kExitOk;
}

int run_distance(const std::vector<std::string>& files, const std::string& exact, const std::string& p, double time,
                 bool grid, const analysis::QuadratureRefinement& refinement, std::ostream& out,
                 nlohmann::json& json) {
  const ParticleSnapshot a = read_particles_csv(files[0], time);
  const int d = a.dimension;
  out << "A: " << files[0] << " (t = " << a.t << ", N = " << a.masses.size() << ", d = " << d << ")\n";
  json["a"] = snapshot_json(files[0], a);
  if (d > 1 && !p.empty() && p != "2")
    throw DistanceUsageError("-p " + p + ": in " + std::to_string(d) + "D only W2 is available (-p 2)");
  if (files.size() == 2) return distance_between_files(files, a, p, time, out, json);
  ExactLaw law;
  try {
    law = parse_exact_law(exact, d);
  } catch (const LawSpecError& e) {
    throw DistanceUsageError(e.what());
  }
  if (law.dimension != d)
    throw DistanceUsageError("--exact " + exact + ": d = " + std::to_string(law.dimension) +
                             ": must equal the dimension of " + files[0] + " (" + std::to_string(d) + ")");
  out << "B: " << exact << "\n";
  json["exact"] = exact;
  if (law.law_1d) {
    print_1d(analysis::wasserstein_1d(a.x, a.masses, *law.law_1d), p, "quantile coupling", out, json);
    return kExitOk;
  }
  if (!p.empty() && p != "2")
    throw DistanceUsageError("-p " + p + ": against " + exact + " only W2 is available (-p 2)");
  if (grid) {
    const double arcs = double(a.masses.size()) * std::pow(double(refinement.max_cells_per_axis), d);
    if (arcs > kMaxTransportArcs)
      throw DistanceUsageError("--max-cells " + std::to_string(refinement.max_cells_per_axis) + ": N x cells^d = " +
                               std::to_string(a.masses.size()) + " x " + std::to_string(refinement.max_cells_per_axis) +
                               "^" + std::to_string(d) + " transport arcs on the finest grid: must be at most " +
                               format_count(kMaxTransportArcs) + " (memory and time of the network simplex)");
    return grid_cross_check(a, *law.law, refinement, out, json);
  }
  const std::size_t most = d == 2 ? kMaxSemiDiscreteParticles2D : kMaxSemiDiscreteParticles3D;
  if (a.masses.size() > most)
    throw std::invalid_argument(files[0] + ": N = " + std::to_string(a.masses.size()) + " particles in " +
                                std::to_string(d) + "D: semi-discrete transport takes at most " +
                                std::to_string(most) + " (its memory and time, docs/performance.md §8)");
  const analysis::SemiDiscreteResult r = analysis::semidiscrete_w2(a.x, a.masses, *law.law);
  out << "W2 = " << format(r.w2) << "   (semi-discrete optimal transport: " << analysis::to_string(r.status)
      << " after " << r.iterations << " Newton iterations, residual max|m_i - nu_i| = " << format(r.residual)
      << ", lower bound " << format(r.lower_bound);
  if (r.n_merged > 0) out << ", " << r.n_merged << " coinciding particles merged";
  out << ")\n";
  json["w2"] = r.w2;
  json["method"] = "semi-discrete optimal transport";
  json["status"] = std::string(analysis::to_string(r.status));
  json["iterations"] = r.iterations;
  json["residual"] = r.residual;
  json["lower_bound"] = r.lower_bound;
  return r.status == analysis::SemiDiscreteStatus::converged ? kExitOk : kExitFailure;
}

}  // namespace

int command_distance(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  std::string exact;
  std::string p;  // empty: every distance that is exact (W1, W2, W-inf in 1D), else W2
  bool as_json = false;
  double time = std::numeric_limits<double>::quiet_NaN();
  analysis::QuadratureRefinement refinement;
  refinement.max_cells_per_axis = 64;
  bool grid = false;
  try {
    for (int i = 2; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() {
        if (i + 1 >= argc) throw DistanceUsageError(arg + " needs a value");
        return std::string(argv[++i]);
      };
      if (arg == "-h" || arg == "--help") {
        out << distance_usage();
        return kExitOk;
      }
      if (arg == "--exact") exact = value();
      else if (arg == "--grid") grid = true;
      else if (arg == "--json") as_json = true;
      else if (arg == "-p") {
        p = value();
        if (p != "1" && p != "2" && p != "inf") throw DistanceUsageError("-p " + p + ": must be 1, 2 or inf");
      } else if (arg == "--time") {
        const std::string v = value();
        const std::optional<double> t = parse_double(v);
        if (!t) throw DistanceUsageError("--time " + v + ": must be a finite number");
        time = *t;
      } else if (arg == "--max-cells") {
        const std::string v = value();
        const std::optional<double> n = parse_double(v);
        if (!n || *n != std::floor(*n) || *n < refinement.initial_cells_per_axis || *n > 4096)
          throw DistanceUsageError("--max-cells " + v + ": must be an integer in [" +
                                   std::to_string(refinement.initial_cells_per_axis) + ", 4096]");
        refinement.max_cells_per_axis = static_cast<int>(*n);
      } else if (arg == "--tolerance") {
        const std::string v = value();
        const std::optional<double> r = parse_double(v);
        if (!r || !(*r > 0.0)) throw DistanceUsageError("--tolerance " + v + ": must be a number > 0");
        refinement.relative_tolerance = *r;
      } else if (arg.size() > 1 && arg[0] == '-') {
        throw DistanceUsageError("unknown option " + arg);
      } else {
        files.push_back(arg);
      }
    }
    if (files.empty() || files.size() > 2 || (files.size() == 2) == !exact.empty())
      throw DistanceUsageError("distance needs A.csv and either B.csv or --exact SPEC");
    std::ostringstream text;
    nlohmann::json json = nlohmann::json::object();
    const int code = run_distance(files, exact, p, time, grid, refinement, text, json);
    out << (as_json ? json.dump(2) + "\n" : text.str());
    return code;
  } catch (const DistanceUsageError& e) {
    err << "blobflow distance: " << e.what() << "\n\n" << distance_usage();
    return kExitUsage;
  } catch (const std::invalid_argument& e) {  // bad input data: a file, or measures the distances reject
    err << "blobflow distance: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "blobflow distance: error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace blobflow
