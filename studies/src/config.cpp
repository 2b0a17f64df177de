// Parsing and validation of run configurations (see config.hpp). Rules follow the keys of docs/architecture.md
// "Configuration".
#include "blobflow/studies/config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <type_traits>
#include <variant>

#include <toml++/toml.h>

#include "blobflow/reports/table.hpp"
#include "blobflow/solvers/fft_sum.hpp"
#include "blobflow/solvers/samplers.hpp"
#include "blobflow/solvers/velocity_field.hpp"
#include "blobflow/solvers/wpme_targets.hpp"
#include "blobflow/studies/expression.hpp"
#include "blobflow/studies/message.hpp"
#include "toml_document.hpp"

namespace blobflow {
namespace {

std::string format_double(double v) { return reports::format_shortest(v); }

std::string format_node(const toml::node& node) {
  std::ostringstream s;
  if (auto v = node.as_string()) s << '"' << v->get() << '"';
  else if (auto i = node.as_integer()) s << i->get();
  else if (auto f = node.as_floating_point()) s << format_double(f->get());
  else if (auto b = node.as_boolean()) s << (b->get() ? "true" : "false");
  else if (auto a = node.as_array()) s << *a;
  else if (node.is_table()) s << "{table}";
  else s << "<value>";
  return clip_for_message(s.str());
}

/// "must be one of ... (did you mean ...?)" for a name that `registry` does not hold.
std::string rule_for(std::span<const ComponentInfo> registry, const std::string& given) {
  return Registry<ComponentInfo>(registry).rule_for(given);
}

/// Reads typed values out of the TOML table, collecting every violation.
class Reader {
 public:
  explicit Reader(std::vector<std::string>& errors) : errors_(errors) {}

  void error(std::string_view key, const toml::node& node, const std::string& rule) {
    errors_.push_back(std::string(key) + " = " + format_node(node) + ": " + rule);
  }

  void read_string(std::string_view key, const toml::node& node, std::string& out) {
    if (auto v = node.as_string()) out = v->get();
    else error(key, node, "must be a string");
  }
  void read_double(std::string_view key, const toml::node& node, double& out) {
    if (auto f = node.as_floating_point()) out = f->get();
    else if (auto i = node.as_integer()) out = static_cast<double>(i->get());
    else error(key, node, "must be a number");
  }
  bool read_int(std::string_view key, const toml::node& node, std::int64_t& out) {
    if (auto i = node.as_integer()) out = i->get();
    else error(key, node, "must be an integer");
    return node.is_integer();
  }
  void read_doubles(std::string_view key, const toml::node& node, std::vector<double>& out) {
    const toml::array* array = node.as_array();
    if (!array) return error(key, node, "must be an array of numbers");
    std::vector<double> values;
    for (const toml::node& element : *array) {
      if (auto f = element.as_floating_point()) values.push_back(f->get());
      else if (auto i = element.as_integer()) values.push_back(static_cast<double>(i->get()));
      else return error(key, node, "must be an array of numbers");
    }
    out = std::move(values);
  }
  /// An array of tables {lo = [...], hi = [...], value = v} (the boxes of a piecewise target).
  void read_boxes(std::string_view key, const toml::node& node, std::vector<TargetBox>& out) {
    const toml::array* array = node.as_array();
    constexpr std::string_view kRule = "must be an array of tables {lo = [numbers], hi = [numbers], value = number}";
    if (!array) return error(key, node, std::string(kRule));
    std::vector<TargetBox> boxes;
    for (const toml::node& element : *array) {
      const toml::table* box = element.as_table();
      if (!box) return error(key, node, std::string(kRule));
      TargetBox b;
      std::vector<std::string> local;
      Reader inner(local);
      for (const auto& [field, value] : *box) {
        const std::string name = std::string(key) + "[" + std::to_string(boxes.size()) + "]." + std::string(field.str());
        if (field.str() == "lo") inner.read_doubles(name, value, b.lo);
        else if (field.str() == "hi") inner.read_doubles(name, value, b.hi);
        else if (field.str() == "value") inner.read_double(name, value, b.value);
        else local.push_back(name + ": unknown key (a box has lo, hi and value)");
      }
      if (!box->contains("lo") || !box->contains("hi") || !box->contains("value"))
        local.push_back(std::string(key) + "[" + std::to_string(boxes.size()) + "]: " + std::string(kRule));
      if (!local.empty()) {
        errors_.insert(errors_.end(), local.begin(), local.end());
        return;
      }
      boxes.push_back(std::move(b));
    }
    out = std::move(boxes);
  }
  /// An array of tables {t = time, fraction = f} or {t = time, agents = [ids]} (coverage.dropouts).
  void read_dropouts(std::string_view key, const toml::node& node, std::vector<Dropout>& out) {
    const toml::array* array = node.as_array();
    constexpr std::string_view kRule = "must be an array of tables {t = time, fraction = f} or {t = time, agents = "
                                       "[ids]}";
    if (!array) return error(key, node, std::string(kRule));
    std::vector<Dropout> events;
    for (const toml::node& element : *array) {
      const toml::table* table = element.as_table();
      if (!table) return error(key, node, std::string(kRule));
      Dropout e;
      std::vector<std::string> local;
      Reader inner(local);
      const std::string at = std::string(key) + "[" + std::to_string(events.size()) + "]";
      for (const auto& [field, value] : *table) {
        const std::string name = at + "." + std::string(field.str());
        if (field.str() == "t") inner.read_double(name, value, e.t);
        else if (field.str() == "fraction") inner.read_double(name, value, e.fraction);
        else if (field.str() == "agents") inner.read_ids(name, value, e.agents);
        else local.push_back(name + ": unknown key (a drop-out has t and either fraction or agents)");
      }
      if (!table->contains("t") || table->contains("fraction") == table->contains("agents"))
        local.push_back(at + ": " + std::string(kRule) + " (t and exactly one of fraction, agents)");
      if (!local.empty()) {
        errors_.insert(errors_.end(), local.begin(), local.end());
        return;
      }
      events.push_back(std::move(e));
    }
    out = std::move(events);
  }
  void read_ids(std::string_view key, const toml::node& node, std::vector<std::int64_t>& out) {
    const toml::array* array = node.as_array();
    if (!array) return error(key, node, "must be an array of agent ids (integers >= 0)");
    std::vector<std::int64_t> ids;
    for (const toml::node& element : *array) {
      const auto* i = element.as_integer();
      if (!i || i->get() < 0) return error(key, node, "must be an array of agent ids (integers >= 0)");
      ids.push_back(i->get());
    }
    out = std::move(ids);
  }

 private:
  std::vector<std::string>& errors_;
};

/// A number as TOML writes it: floats keep a point or an exponent ("1.0", "0.001", "1e-8").
std::string toml_number(double v) {
  std::string s = format_double(v);
  if (const auto e = s.find("e-0"); e != std::string::npos) s.erase(e + 2, 1);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string toml_numbers(const std::vector<double>& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + toml_number(values[i]);
  return s + "]";
}

/// A TOML basic string: double quotes, with backslash escapes where needed.
std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(ch));
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------------------------------------------------------
// The kinds of value a key holds. Each reads its TOML node into the configuration (collecting violations through
// the Reader), writes its value as JSON, and as TOML text (the default `blobflow run --help` prints).

/// The member of RunConfig a key names (accessors only select a member).
template <class T>
using Ref = T& (*)(RunConfig&);
template <class T>
const T& member(Ref<T> at, const RunConfig& c) {
  return at(const_cast<RunConfig&>(c));  // NOLINT(cppcoreguidelines-pro-type-const-cast): read only
}

/// What a kind's read() needs: the key ("section.name"), its node, the configuration being filled.
struct ReadArgs {
  const std::string& key;
  const toml::node& node;
  RunConfig& config;
  Reader& reader;
  std::string_view rule;            ///< the key's rule, the message for an integer out of its range
  std::string& range_error;         ///< set by an integer out of its range (reported after the other errors)
};

struct Text {
  Ref<std::string> at;
  void read(const ReadArgs& a) const { a.reader.read_string(a.key, a.node, at(a.config)); }
  nlohmann::json json(const RunConfig& c) const { return member(at, c); }
  std::string toml(const RunConfig& c) const { return toml_string(member(at, c)); }
};

/// blob width: a number (stored as its shortest text) or an expression of h, N and d.
struct NumberOrExpression {
  Ref<std::string> at;
  void read(const ReadArgs& a) const {
    if (!a.node.is_number()) return a.reader.read_string(a.key, a.node, at(a.config));
    double v = 0.0;
    a.reader.read_double(a.key, a.node, v);
    if (!(v > 0.0) || !std::isfinite(v)) a.reader.error(a.key, a.node, "must be a finite number > 0");
    at(a.config) = format_double(v);
  }
  nlohmann::json json(const RunConfig& c) const { return member(at, c); }
  std::string toml(const RunConfig& c) const { return toml_string(member(at, c)); }
};

/// An integer stored in an int, std::int64_t or std::size_t; a value outside [lo, hi] is not stored.
struct Integer {
  std::variant<Ref<int>, Ref<std::int64_t>, Ref<std::size_t>> at;
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  void read(const ReadArgs& a) const {
    std::int64_t v = 0;
    if (!a.reader.read_int(a.key, a.node, v)) return;
    if (v < lo || v > hi) {
      a.range_error = a.key + " = " + std::to_string(v) + ": " + std::string(a.rule);
      return;
    }
    std::visit([&](auto ref) { ref(a.config) = static_cast<std::remove_reference_t<decltype(ref(a.config))>>(v); }, at);
  }
  nlohmann::json json(const RunConfig& c) const {
    return std::visit([&](auto ref) { return nlohmann::json(member(ref, c)); }, at);
  }
  std::string toml(const RunConfig& c) const {
    return std::visit([&](auto ref) { return std::to_string(member(ref, c)); }, at);
  }
};

struct Number {
  Ref<double> at;
  void read(const ReadArgs& a) const { a.reader.read_double(a.key, a.node, at(a.config)); }
  nlohmann::json json(const RunConfig& c) const { return member(at, c); }
  std::string toml(const RunConfig& c) const { return toml_number(member(at, c)); }
};

/// target.floor_fraction: a number, or "auto" for unset.
struct NumberOrAuto {
  Ref<std::optional<double>> at;
  void read(const ReadArgs& a) const {
    if (auto text = a.node.as_string(); text && text->get() == "auto") {
      at(a.config).reset();
    } else if (a.node.is_number()) {
      double v = 0.0;
      a.reader.read_double(a.key, a.node, v);
      at(a.config) = v;
    } else {
      a.reader.error(a.key, a.node, "must be a number in (0, 1) or \"auto\"");
    }
  }
  nlohmann::json json(const RunConfig& c) const {
    const auto& v = member(at, c);
    return v ? nlohmann::json(*v) : nlohmann::json("auto");
  }
  std::string toml(const RunConfig& c) const {
    const auto& v = member(at, c);
    return v ? toml_number(*v) : toml_string("auto");
  }
};

struct Numbers {
  Ref<std::vector<double>> at;
  void read(const ReadArgs& a) const { a.reader.read_doubles(a.key, a.node, at(a.config)); }
  nlohmann::json json(const RunConfig& c) const { return member(at, c); }
  std::string toml(const RunConfig& c) const { return toml_numbers(member(at, c)); }
};

/// The boxes {lo, hi, value} of a piecewise target.
struct Boxes {
  Ref<std::vector<TargetBox>> at;
  void read(const ReadArgs& a) const { a.reader.read_boxes(a.key, a.node, at(a.config)); }
  nlohmann::json json(const RunConfig& c) const {
    nlohmann::json boxes = nlohmann::json::array();
    for (const TargetBox& b : member(at, c)) boxes.push_back({{"lo", b.lo}, {"hi", b.hi}, {"value", b.value}});
    return boxes;
  }
  std::string toml(const RunConfig& c) const {
    std::string s;
    for (const TargetBox& b : member(at, c))
      s += (s.empty() ? "" : ", ") + std::string("{lo = ") + toml_numbers(b.lo) + ", hi = " + toml_numbers(b.hi) +
           ", value = " + toml_number(b.value) + "}";
    return "[" + s + "]";
  }
};

/// The drop-out events of coverage.dropouts.
struct Dropouts {
  Ref<std::vector<Dropout>> at;
  void read(const ReadArgs& a) const { a.reader.read_dropouts(a.key, a.node, at(a.config)); }
  nlohmann::json json(const RunConfig& c) const {
    nlohmann::json events = nlohmann::json::array();
    for (const Dropout& e : member(at, c))
      events.push_back(e.agents.empty() ? nlohmann::json{{"t", e.t}, {"fraction", e.fraction}}
                                        : nlohmann::json{{"t", e.t}, {"agents", e.agents}});
    return events;
  }
  std::string toml(const RunConfig& c) const {
    std::string s;
    for (const Dropout& e : member(at, c)) {
      std::string what;
      if (e.agents.empty()) {
        what = "fraction = " + toml_number(e.fraction);
      } else {
        for (std::int64_t id : e.agents) what += (what.empty() ? "" : ", ") + std::to_string(id);
        what = "agents = [" + what + "]";
      }
      s += (s.empty() ? "" : ", ") + std::string("{t = ") + toml_number(e.t) + ", " + what + "}";
    }
    return "[" + s + "]";
  }
};

using Field = std::variant<Text, NumberOrExpression, Integer, Number, NumberOrAuto, Numbers, Boxes, Dropouts>;

/// The field of a member, its kind following the member's type (a string is Text, an optional<double> is
/// NumberOrAuto, ...); `at` is a captureless lambda returning a reference to the member.
template <class F>
Field field(F at) {
  using T = std::remove_reference_t<std::invoke_result_t<F, RunConfig&>>;
  const Ref<T> ref = at;
  if constexpr (std::is_same_v<T, std::string>) return Text{ref};
  else if constexpr (std::is_same_v<T, double>) return Number{ref};
  else if constexpr (std::is_same_v<T, std::optional<double>>) return NumberOrAuto{ref};
  else if constexpr (std::is_same_v<T, std::vector<double>>) return Numbers{ref};
  else if constexpr (std::is_same_v<T, std::vector<TargetBox>>) return Boxes{ref};
  else if constexpr (std::is_same_v<T, std::vector<Dropout>>) return Dropouts{ref};
  else return Integer{ref};
}
/// An integer member that only holds values in [lo, hi] (outside: the key's rule is the message).
template <class F>
Field integer(F at, std::int64_t lo, std::int64_t hi) {
  Integer i = std::get<Integer>(field(at));
  i.lo = lo, i.hi = hi;
  return i;
}
template <class F>
Field number_or_expression(F at) {
  return NumberOrExpression{Ref<std::string>(at)};
}

/// One configuration key: where it lives in the TOML file, the member it fills, what validate() requires of it
/// and what it means. Its default is the member's value in a default-constructed RunConfig.
struct KeySpec {
  std::string_view section;
  std::string_view name;
  Field field;
  std::string_view rule;
  std::string_view help;

  std::string full_name() const { return std::string(section) + "." + std::string(name); }
  nlohmann::json json(const RunConfig& c) const {
    return std::visit([&](const auto& f) { return f.json(c); }, field);
  }
  std::string toml(const RunConfig& c) const {
    return std::visit([&](const auto& f) { return f.toml(c); }, field);
  }
};

constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

/// The keys of how a run is integrated, sampled and written: [integrator], [sampling], [output].
std::vector<KeySpec> run_keys() {
  using C = RunConfig;
  return {
      {"integrator", "method", field([](C& c) -> auto& { return c.integrator.method; }),
       "must be \"auto\" or one of blobflow list integrators",
       "time integrator; \"auto\": rosenbrock34 where the explicit stability limit would take over 1000 dopri5 "
       "steps and the Hessian is sparse, else dopri5"},
      {"integrator", "dt", field([](C& c) -> auto& { return c.integrator.dt; }), "must be > 0",
       "fixed-step methods: largest step; adaptive: first trial step"},
      {"integrator", "rtol", field([](C& c) -> auto& { return c.integrator.rtol; }), "must be > 0",
       "adaptive and implicit (implicit-euler, discrete-gradient): tolerance relative to the cloud's RMS radius"},
      {"integrator", "atol", field([](C& c) -> auto& { return c.integrator.atol; }), "must be > 0",
       "adaptive and implicit (implicit-euler, discrete-gradient): absolute tolerance in length units"},
      {"integrator", "max_steps", integer([](C& c) -> auto& { return c.integrator.max_steps; }, 1, kMaxInt64),
       "must be >= 1", "largest number of steps (accepted + rejected)"},
      {"integrator", "collapse_radius", field([](C& c) -> auto& { return c.collapse_radius; }), "must be >= 0",
       "stop with status \"collapsed\" once the particles' RMS distance from their centroid is below this many eps "
       "(0: never; docs/math.md §4.7)"},
      {"sampling", "sampler", field([](C& c) -> auto& { return c.sampling.sampler; }),
       "must be one of blobflow list samplers; all but blob need wpme with a target",
       "how the particles sample rhobar: \"blob\" (the wpme flow), \"ula\", \"mala\", \"svgd\", \"iid\", "
       "\"quantile\" (docs/math.md §8)"},
      {"sampling", "bandwidth", number_or_expression([](C& c) -> auto& { return c.sampling.bandwidth; }),
       "must be a number > 0, \"median\" or \"median-t0\"; svgd only",
       "svgd: the RBF kernel's bandwidth h; \"median\": Liu and Wang's median heuristic at every evaluation, "
       "\"median-t0\": frozen at t0"},
      {"sampling", "batch", integer([](C& c) -> auto& { return c.sampling.batch; }, 0, kMaxInt64),
       "must be 0 or lie in [2, particles]; blob and svgd with a fixed-step integrator only",
       "random batches of this many particles, redrawn every step (0: all pairs); the energy diagnostics still sum "
       "all pairs (output.diagnostics_every = 0 keeps the cost O(N P))"},
      {"sampling", "mmd_length", field([](C& c) -> auto& { return c.sampling.mmd_length; }), "must be > 0",
       "the width l of the Gaussian kernel of the mmd metric"},
      {"coverage", "region_lo", field([](C& c) -> auto& { return c.coverage.region_lo; }),
       "must hold 1 or d numbers; wpme with a target whose law blobflow integrates",
       "lower corner of the region the coverage metrics measure (docs/math.md §9); empty: no region"},
      {"coverage", "region_hi", field([](C& c) -> auto& { return c.coverage.region_hi; }),
       "must hold as many numbers as region_lo, each above it", "upper corner of the coverage region"},
      {"coverage", "controller", field([](C& c) -> auto& { return c.coverage.controller; }),
       "must be \"blob\" or \"lloyd\"; lloyd needs a region",
       "how agents move: \"blob\" (the run's flow) or \"lloyd\" (towards the rhobar-centroids of their Voronoi "
       "cells in the region)"},
      {"coverage", "gain", field([](C& c) -> auto& { return c.coverage.gain; }), "must be > 0; lloyd only",
       "lloyd: the gain k of dp_i/dt = k (c_i - p_i) (time runs k times faster)"},
      {"coverage", "dropouts", field([](C& c) -> auto& { return c.coverage.dropouts; }),
       "each t in (problem.t0, problem.t_final], in order; fraction in (0, 1) or agents: distinct ids < particles; "
       "not every agent",
       "drop-out events [{t = .., fraction = ..} or {t = .., agents = [..]}]: the agents stop, survivors keep "
       "their masses"},
      {"coverage", "recovery_factor", field([](C& c) -> auto& { return c.coverage.recovery_factor; }),
       "must be > 1", "recovered once w2_steady is back within this factor of its value at the drop-out"},
      {"output", "times", field([](C& c) -> auto& { return c.output.times; }),
       "each must lie in (problem.t0, problem.t_final]", "output times; t_final is always included"},
      {"output", "diagnostics_every", field([](C& c) -> auto& { return c.output.diagnostics_every; }),
       "must be >= 0", "accepted steps between energy diagnostics (0: output times only)"},
  };
}

/// The keys of [network]: the target function f* of equation "network" (network.hpp).
std::vector<KeySpec> network_keys() {
  using C = RunConfig;
  return {
      {"network", "function", field([](C& c) -> auto& { return c.network.kind; }),
       "must be \"zero\", \"quadratic\" or \"mixture\"; equation = \"network\" only",
       "target function f* of the network (docs/math.md §10); [target] is the data density nu"},
      {"network", "height", field([](C& c) -> auto& { return c.network.height; }), "must be finite",
       "quadratic: h of f*(y) = h - a/2 |y - c|^2"},
      {"network", "curvature", field([](C& c) -> auto& { return c.network.curvature; }), "must be finite",
       "quadratic: a (a >= 0: f* concave)"},
      {"network", "center", field([](C& c) -> auto& { return c.network.center; }),
       "must be empty (the origin) or hold d finite numbers", "quadratic: c"},
      {"network", "weights", field([](C& c) -> auto& { return c.network.weights; }),
       "must hold K finite non-zero numbers", "mixture: the bumps' weights w_k of f* = sum_k w_k N(m_k, s_k^2 I)"},
      {"network", "means", field([](C& c) -> auto& { return c.network.means; }), "must hold K*d finite numbers",
       "mixture: the bumps' centres m_k"},
      {"network", "widths", field([](C& c) -> auto& { return c.network.widths; }), "must hold K numbers > 0",
       "mixture: the bumps' standard deviations s_k"},
      {"network", "training", field([](C& c) -> auto& { return c.network_training.training; }),
       "must be \"flow\" or \"sgd\"",
       "\"flow\": the mean-field ODE by [integrator]; \"sgd\": stochastic gradient descent (docs/math.md §10.4)"},
      {"network", "batch", integer([](C& c) -> auto& { return c.network_training.batch; }, 1, kMaxInt64),
       "must be >= 1; sgd only", "sgd: B, samples of nu per step (drawn from discretization.seed)"},
      {"network", "step", field([](C& c) -> auto& { return c.network_training.step; }),
       "must be a finite number > 0; sgd only", "sgd: tau, the time one step stands for (t = k tau)"},
  };
}

/// Every key, in the order of `blobflow run --help`, of the violations and of the sections in to_json: the model
/// ([problem], [discretization], [target], [potential], [interaction]), then run_keys().
const std::vector<KeySpec>& key_table() {
  using C = RunConfig;
  static const std::vector<KeySpec> model_keys = {
      {"problem", "equation", field([](C& c) -> auto& { return c.problem.equation; }),
       "must be one of blobflow list equations",
       "\"wpme\": d/dt rho = div(rho grad(rho/rhobar)); \"pme\": d/dt rho = Lap(rho^m)"},
      {"problem", "dimension", integer([](C& c) -> auto& { return c.problem.dimension; }, 1, 3),
       "must be 1, 2 or 3", "space dimension d"},
      {"problem", "m", field([](C& c) -> auto& { return c.problem.m; }), "must be >= 1; wpme: 2 only",
       "pme exponent (m = 1: heat equation)"},
      {"problem", "target", field([](C& c) -> auto& { return c.problem.target; }),
       "must be one of blobflow list targets; pme: \"uniform\" only",
       "wpme target rhobar (parameters in [target]); \"uniform\" without a box is rhobar == 1 on R^d (pme: no "
       "target)"},
      {"problem", "initial", field([](C& c) -> auto& { return c.problem.initial; }),
       "must be \"exact\", \"barenblatt\", \"uniform\" or a particles file NAME.csv",
       "\"exact\" (the problem's exact solution at t0), \"barenblatt\" (the same data: the Barenblatt profile, or "
       "the heat kernel for m = 1, at t0; errors measured where an exact solution exists), \"uniform\", or a file "
       "NAME.csv with the columns of particles.csv (t,i,x1[,x2,x3][,mass]; its last time; masses problem.mass / N "
       "when there is no mass column): at t0 > 0 particles of the \"barenblatt\" data placed elsewhere, at t0 = 0 "
       "given data without a truth (N from the file)"},
      {"problem", "mass", field([](C& c) -> auto& { return c.problem.mass; }), "in [1e-100, 1e100]", "total mass M"},
      {"problem", "initial_support", field([](C& c) -> auto& { return c.problem.initial_support; }),
       "must be [lo, hi] with finite lo < hi", "[lo, hi] per coordinate of the uniform initial density"},
      {"problem", "t0", field([](C& c) -> auto& { return c.problem.t0; }),
       "must be >= 0; > 0 for initial = \"exact\" or \"barenblatt\"", "start time"},
      {"problem", "t_final", field([](C& c) -> auto& { return c.problem.t_final; }), "must be > problem.t0",
       "end time"},
      {"discretization", "particles", field([](C& c) -> auto& { return c.discretization.particles; }),
       "must be >= 2 and <= 10000000", "N (in d > 1 the nearest lattice size, reported)"},
      {"discretization", "epsilon", number_or_expression([](C& c) -> auto& { return c.discretization.epsilon; }),
       "must be a number > 0 or an expression of h, N, d", "blob width eps"},
      {"discretization", "mollifier", field([](C& c) -> auto& { return c.discretization.mollifier; }),
       "must be one of blobflow list mollifiers; sign-changing ones (order >= 4) need wpme or pme with m = 2",
       "mollifier zeta"},
      {"discretization", "placement", field([](C& c) -> auto& { return c.discretization.placement; }),
       "must be \"auto\", \"quantile\" (1D only), \"lattice\" or \"random\"",
       "particle placement; \"random\": i.i.d. samples of the initial law, from seed"},
      {"discretization", "seed", field([](C& c) -> auto& { return c.discretization.seed; }), "must be >= 0",
       "seed of the run's std::mt19937_64: random placement, the samplers ula, mala, iid and random batches "
       "(replicates: seed + r)"},
      {"discretization", "engine", field([](C& c) -> auto& { return c.discretization.engine; }),
       "must be one of blobflow list engines",
       "summation engine (blobflow list engines); \"auto\": blobflow chooses from N, d, eps/h, the mollifier and "
       "engine_accuracy at crossovers measured per CPU target family (docs/performance.md), recorded as "
       "resolved.engine in summary.json"},
      {"discretization", "engine_accuracy", field([](C& c) -> auto& { return c.discretization.engine_accuracy; }),
       "must be 0 or lie in [5e-12, 1)",
       "relative error allowed to the non-exact engine fft: 0 = round-off (auto never picks fft; fft runs at "
       "1e-10), else fft picks its grid from it, and auto may pick fft"},
      {"target", "box_lo", field([](C& c) -> auto& { return c.target.box_lo; }), "must hold 1 or d numbers",
       "uniform: lower corner of the support box; empty: all of R^d"},
      {"target", "box_hi", field([](C& c) -> auto& { return c.target.box_hi; }),
       "must hold as many numbers as box_lo, each above it", "uniform: upper corner of the support box"},
      {"target", "mean", field([](C& c) -> auto& { return c.target.mean; }), "must hold d numbers",
       "gaussian: the mean"},
      {"target", "covariance", field([](C& c) -> auto& { return c.target.covariance; }),
       "must hold d*d numbers, symmetric positive definite", "gaussian: the covariance, row-major"},
      {"target", "weights", field([](C& c) -> auto& { return c.target.weights; }), "must hold K numbers > 0",
       "mixture: the component weights (normalized to sum 1)"},
      {"target", "means", field([](C& c) -> auto& { return c.target.means; }), "must hold K*d numbers",
       "mixture: the component means, component-major"},
      {"target", "covariances", field([](C& c) -> auto& { return c.target.covariances; }),
       "must hold K*d*d numbers", "mixture: the component covariances, component-major"},
      {"target", "pieces", field([](C& c) -> auto& { return c.target.pieces; }),
       "must be boxes {lo = [..], hi = [..], value = v > 0} with disjoint interiors",
       "piecewise: the boxes and the value of rhobar on each"},
      {"target", "grid_file", field([](C& c) -> auto& { return c.target.grid_file; }), "",
       "grid: CSV file sampling rhobar on a regular tensor grid (README)"},
      {"target", "floor_fraction", field([](C& c) -> auto& { return c.target.floor_fraction; }),
       "must be a number in (0, 1) or \"auto\"",
       "rhobar outside a bounded support, as a fraction of its maximum; \"auto\": 1e-3 for bounded supports, no "
       "floor for gaussian and mixture"},
      {"target", "method", field([](C& c) -> auto& { return c.target.method; }),
       "must be \"auto\", \"closed-form\" (gaussian mollifier, piecewise target) or \"quadrature\"",
       "how the y-integral is computed"},
      {"target", "quadrature_accuracy", field([](C& c) -> auto& { return c.target.quadrature_accuracy; }),
       "must lie in (0, 0.1]", "quadrature: relative accuracy that sets the lattice spacing"},
      {"target", "quadrature_spacing", field([](C& c) -> auto& { return c.target.quadrature_spacing; }), "",
       "quadrature: dy / eps (0, or >= 1e-3), overriding quadrature_accuracy when > 0"},
      {"potential", "kind", field([](C& c) -> auto& { return c.potential.kind; }),
       "must be \"none\", \"quadratic\", \"double-well\" or \"polynomial\"", "external potential V"},
      {"potential", "strength", field([](C& c) -> auto& { return c.potential.strength; }), "must be > 0",
       "quadratic: c of V = c/2 |x - x0|^2; double-well: a"},
      {"potential", "center", field([](C& c) -> auto& { return c.potential.center; }),
       "must be empty (the origin) or hold d numbers", "quadratic: x0"},
      {"potential", "well_radius", field([](C& c) -> auto& { return c.potential.well_radius; }), "must be > 0",
       "double-well: b of V = a (|x|^2 - b^2)^2 / 4"},
      {"potential", "coefficients", field([](C& c) -> auto& { return c.potential.coefficients; }),
       "must hold at least one number", "polynomial: c0, c1, ..., cK of V = sum_l sum_k c_k x_l^k"},
      {"interaction", "kind", field([](C& c) -> auto& { return c.interaction.kind; }),
       "must be \"none\", \"gaussian\" or \"newtonian\" (2D)", "interaction kernel W"},
      {"interaction", "amplitude", field([](C& c) -> auto& { return c.interaction.amplitude; }), "must be > 0",
       "gaussian: A of W(z) = -A exp(-|z|^2 / (2 l^2))"},
      {"interaction", "length", field([](C& c) -> auto& { return c.interaction.length; }), "must be > 0",
       "gaussian: l"},
      {"interaction", "chi", field([](C& c) -> auto& { return c.interaction.chi; }), "must be > 0",
       "newtonian: sensitivity chi of the Keller-Segel attraction (docs/math.md §4.7)"},
  };
  static const std::vector<KeySpec> keys = [] {
    std::vector<KeySpec> all = model_keys;
    const std::vector<KeySpec> network = network_keys();
    all.insert(all.end(), network.begin(), network.end());
    const std::vector<KeySpec> rest = run_keys();
    all.insert(all.end(), rest.begin(), rest.end());
    return all;
  }();
  return keys;
}

/// The sections, in table order.
std::vector<std::string> section_names() {
  std::vector<std::string> sections;
  for (const KeySpec& k : key_table())
    if (std::find(sections.begin(), sections.end(), k.section) == sections.end()) sections.emplace_back(k.section);
  return sections;
}

const KeySpec* find_key(std::string_view section, std::string_view name) {
  for (const KeySpec& k : key_table())
    if (k.section == section && k.name == name) return &k;
  return nullptr;
}

/// Applies one "section.key=value" override to the table.
void apply_override(toml::table& table, const std::string& assignment, std::vector<std::string>& errors) {
  const auto eq = assignment.find('=');
  const std::string path = assignment.substr(0, eq);
  const auto dot = path.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 == path.size() ||
      path.find('.', dot + 1) != std::string::npos) {
    errors.push_back("--set " + clip_for_message(assignment) + ": must have the form section.key=value");
    return;
  }
  const std::string section = path.substr(0, dot), key = path.substr(dot + 1), text = assignment.substr(eq + 1);

  toml::node_view<toml::node> existing = table[section];
  if (existing && !existing.is_table()) {
    errors.push_back("--set " + clip_for_message(assignment) + ": \"" + section + "\" is not a section");
    return;
  }
  if (!existing) table.insert(section, toml::table{});
  toml::table& target = *table[section].as_table();
  try {
    toml::table parsed = toml::parse("value = " + text);
    // One value per --set: after a line break "1\nother = 2" parses as two keys, and the second would be dropped.
    if (parsed.size() != 1) {
      errors.push_back("--set " + clip_for_message(assignment) + ": the value must be one TOML value (a line break "
                       "starts another key)");
      return;
    }
    target.insert_or_assign(key, std::move(*parsed.get("value")));
  } catch (const toml::parse_error&) {
    if (!is_valid_utf8(text)) {
      errors.push_back("--set " + clip_for_message(assignment) + ": the value must be UTF-8 text");
      return;
    }
    target.insert_or_assign(key, text);  // a bare word such as rk4 is read as the string "rk4"
  }
}

/// Collects "key = value: rule" lines.
struct Violations {
  std::vector<std::string> lines;
  void fail(const std::string& key, const std::string& value, const std::string& rule) {
    lines.push_back(key + " = " + clip_for_message(value) + ": " + rule);
  }
  static std::string quoted(const std::string& s) { return "\"" + s + "\""; }
};

void validate_problem(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  const auto& p = c.problem;
  const auto quoted = Violations::quoted;
  if (!is_registered(equation_registry(), p.equation))
    v.fail("problem.equation", quoted(p.equation), rule_for(equation_registry(), p.equation));
  if (p.dimension < 1 || p.dimension > 3) v.fail("problem.dimension", std::to_string(p.dimension), "must be 1, 2 or 3");
  const bool known_equation = is_registered(equation_registry(), p.equation);
  const std::optional<double> fixed_m = known_equation ? equation_fixed_exponent(p.equation) : std::nullopt;
  if (known_equation && !equation_has_target(p.equation)) {
    if (fixed_m && given.count("problem.m") && p.m != *fixed_m)
      v.fail("problem.m", format_double(p.m),
             "equation = " + quoted(p.equation) + " has m = " + format_double(*fixed_m) + " (leave problem.m out)");
    else if (!fixed_m && (!(p.m >= 1.0) || !std::isfinite(p.m)))
      v.fail("problem.m", format_double(p.m), "must be >= 1");
    // The defaults are harmless (pme has no target; wpme with rhobar == 1 is the m = 2 equation), so switching
    // the equation of a file with --set keeps working; any other value would be silently ignored: reject it.
    if (given.count("problem.target") && p.target != "uniform")
      v.fail("problem.target", quoted(p.target), "applies to equation = \"wpme\" only");
  } else if (known_equation) {
    if (given.count("problem.m") && p.m != 2.0)
      v.fail("problem.m", format_double(p.m), "applies to equation = \"pme\" only (wpme with rhobar == 1 has m = 2)");
    if (!is_registered(target_registry(), p.target))
      v.fail("problem.target", quoted(p.target), rule_for(target_registry(), p.target));
  }
  // A file cannot set target.kind (it mirrors problem.target); a configuration built in code can.
  if (c.target.kind != p.target)
    v.fail("target.kind", quoted(c.target.kind), "must equal problem.target = " + quoted(p.target));
  const bool exact_initial = p.initial == "exact" || p.initial == "barenblatt" || is_particles_file(p.initial);
  if (!exact_initial && p.initial != "uniform")
    v.fail("problem.initial", quoted(p.initial),
           "must be \"exact\", \"barenblatt\", \"uniform\" or a particles file NAME.csv");
  if (!(p.mass > 0.0) || !std::isfinite(p.mass)) v.fail("problem.mass", format_double(p.mass), "must be > 0");
  if (p.initial_support.size() != 2 || !(p.initial_support[0] < p.initial_support[1]) ||
      !std::isfinite(p.initial_support[0]) || !std::isfinite(p.initial_support[1])) {
    std::string value = "[";
    for (std::size_t i = 0; i < p.initial_support.size(); ++i)
      value += (i ? ", " : "") + format_double(p.initial_support[i]);
    v.fail("problem.initial_support", value + "]", "must be [lo, hi] with finite lo < hi");
  }
  if (!std::isfinite(p.t0) || p.t0 < 0.0) v.fail("problem.t0", format_double(p.t0), "must be >= 0");
  else if (exact_initial && !is_particles_file(p.initial) && !(p.t0 > 0.0))
    v.fail("problem.t0", format_double(p.t0),
           "must be > 0 with initial = " + quoted(p.initial) + " (the exact solutions start from a Dirac mass at 0)");
  const bool times_valid = std::isfinite(p.t0) && std::isfinite(p.t_final) && p.t_final > p.t0;
  if (!times_valid && std::isfinite(p.t0))
    v.fail("problem.t_final", format_double(p.t_final), "must be > problem.t0 = " + format_double(p.t0));
}

void validate_discretization(const RunConfig& c, Violations& v) {
  const auto& p = c.problem;
  const auto& d = c.discretization;
  const auto quoted = Violations::quoted;
  if (d.particles < 2) v.fail("discretization.particles", std::to_string(d.particles), "must be >= 2");
  try {
    (void)evaluate_expression(d.epsilon, {{"h", 1.0}, {"N", 2.0}, {"d", 1.0}});
  } catch (const ExpressionError& e) {
    v.fail("discretization.epsilon", quoted(d.epsilon),
           std::string("must be a number or an expression of h, N, d: ") + e.what());
  }
  if (!is_registered(mollifier_registry(), d.mollifier))
    v.fail("discretization.mollifier", quoted(d.mollifier), rule_for(mollifier_registry(), d.mollifier));
  else if (is_registered(equation_registry(), p.equation) && !equation_has_target(p.equation) &&
           c.exponent() != 2.0 && mollifier_order(d.mollifier) > 2)
    v.fail("discretization.mollifier", quoted(d.mollifier),
           "changes sign (order " + std::to_string(mollifier_order(d.mollifier)) + "); with equation = " +
               quoted(p.equation) + " it needs m = 2, where the energy stays a square (docs/math.md §2.3); m = " +
               format_double(c.exponent()));
  if (d.placement != "auto" && d.placement != "quantile" && d.placement != "lattice" && d.placement != "random")
    v.fail("discretization.placement", quoted(d.placement), "must be \"auto\", \"quantile\", \"lattice\" or \"random\"");
  else if (d.placement == "quantile" && p.dimension != 1)
    v.fail("discretization.placement", quoted(d.placement), "is for dimension = 1 only; use \"lattice\"");
  if (d.seed < 0) v.fail("discretization.seed", std::to_string(d.seed), "must be >= 0");
  if (!is_registered(engine_registry(), d.engine))
    v.fail("discretization.engine", quoted(d.engine), rule_for(engine_registry(), d.engine));
  if (d.engine_accuracy != 0.0 && !(d.engine_accuracy >= FftSum::min_accuracy() && d.engine_accuracy < 1.0))
    v.fail("discretization.engine_accuracy", format_double(d.engine_accuracy),
           "must be 0 (round-off) or lie in [" + format_double(FftSum::min_accuracy()) +
               ", 1) (the measured accuracy table of the fft engine)");
}

/// [target], [potential], [interaction]: the solver factories check their parameters and name the key
/// ("target.box_lo = ...: rule"); a section given for a kind that does not read it is refused.
void validate_drift_sections(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  const auto& p = c.problem;
  const bool has_target = is_registered(equation_registry(), p.equation) && equation_has_target(p.equation);
  if (has_target && is_registered(target_registry(), p.target) && !is_uniform_on_whole_space(c.target)) {
    try {
      (void)make_target(c.target, p.dimension);
    } catch (const std::exception& e) {
      v.lines.push_back(e.what());
    }
  }
  for (const std::string& key : given)
    if (key.rfind("target.", 0) == 0 && !has_target)
      v.fail(key, "(given)", "applies to equation = \"wpme\" only (pme has no target)");
  try {
    (void)make_potential(c.potential, p.dimension);
  } catch (const std::exception& e) {
    v.lines.push_back(e.what());
  }
  try {
    (void)make_interaction_kernel(c.interaction, p.dimension, c.discretization.mollifier, 1.0);
  } catch (const std::exception& e) {
    v.lines.push_back(e.what());
  }
}

/// network.training, batch, step: SGD's parameters, which apply to training = "sgd" only; SGD draws Gaussian neurons
/// and samples of uniform, piecewise or gaussian data (network_sgd.hpp).
void validate_network_training(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  const auto& n = c.network_training;
  const bool sgd = n.training == "sgd";
  if (!sgd && n.training != "flow")
    v.fail("network.training", Violations::quoted(n.training), "must be \"flow\" or \"sgd\"");
  if (n.batch < 1) v.fail("network.batch", std::to_string(n.batch), "must be >= 1");
  if (!(n.step > 0.0) || !std::isfinite(n.step)) v.fail("network.step", format_double(n.step), "must be a finite number > 0");
  const RunConfig defaults;
  if (!sgd && given.count("network.batch") && n.batch != defaults.network_training.batch)
    v.fail("network.batch", std::to_string(n.batch), "applies to network.training = \"sgd\" only");
  if (!sgd && given.count("network.step") && n.step != defaults.network_training.step)
    v.fail("network.step", format_double(n.step), "applies to network.training = \"sgd\" only");
  if (!sgd) return;
  if (c.discretization.mollifier != "gaussian")
    v.fail("discretization.mollifier", Violations::quoted(c.discretization.mollifier),
           "network.training = \"sgd\" trains Gaussian neurons: must be \"gaussian\"");
  if (c.sampling.batch != 0)
    v.fail("sampling.batch", std::to_string(c.sampling.batch), "network.training = \"sgd\" has its own batches "
           "(network.batch): must be 0");
  const std::string& kind = c.target.kind;
  if (kind != "uniform" && kind != "piecewise" && kind != "gaussian")
    v.fail("problem.target", Violations::quoted(kind),
           "network.training = \"sgd\" samples uniform, piecewise or gaussian data");
}

/// [network]: f* and the data density nu build (their factories name key, value and rule); the section applies to
/// equation "network" only.
void validate_network(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  if (c.problem.equation != kNetworkEquationName) {
    // As problem.m for wpme: the defaults are harmless, any other value would be silently ignored.
    const RunConfig defaults;
    for (const std::string& key : given) {
      if (key.rfind("network.", 0) != 0) continue;
      const KeySpec* k = find_key("network", std::string_view(key).substr(8));
      if (k && k->json(c) != k->json(defaults)) v.fail(key, "(given)", "applies to equation = \"network\" only");
    }
    return;
  }
  const int d = c.problem.dimension;
  if (d < 1 || d > 3) return;  // validate_problem reports it
  try {
    (void)make_network_function(c.network, d);
  } catch (const std::exception& e) {
    v.lines.push_back(e.what());
  }
  if (c.sampling.sampler != "blob")
    v.fail("sampling.sampler", Violations::quoted(c.sampling.sampler),
           "equation = \"network\" trains by its own flow: must be \"blob\"");
  validate_network_training(c, given, v);
  if (c.has_region() || c.coverage.controller != "blob")
    v.fail("coverage.region_lo", "(given)", "applies to equation = \"wpme\" only (not \"network\")");
  if (!is_registered(target_registry(), c.problem.target)) return;
  if (!is_uniform_on_whole_space(c.target)) {
    try {
      (void)make_target(c.target, d);
    } catch (const std::exception&) {
      return;  // validate_drift_sections reports it
    }
  }
  try {
    (void)make_network_data(c.target, d);
  } catch (const std::exception& e) {
    v.lines.push_back(e.what());
  }
}

/// [sampling]: the sampler exists, suits the target and the integrator, and its parameters apply to it.
void validate_sampling(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  const auto& s = c.sampling;
  const auto quoted = Violations::quoted;
  const SamplerInfo* sampler = find_sampler(s.sampler);
  if (!sampler) {
    v.fail("sampling.sampler", quoted(s.sampler),
           Registry<SamplerInfo>(sampler_registry()).rule_for(s.sampler));
    return;
  }
  const bool has_target = is_registered(equation_registry(), c.problem.equation) &&
                          equation_has_target(c.problem.equation) && !is_uniform_on_whole_space(c.target);
  if (s.sampler != "blob" && !has_target)
    v.fail("sampling.sampler", quoted(s.sampler), "samples a target: needs problem.equation = \"wpme\" and a "
                                                   "problem.target other than \"uniform\" without a box");
  if (sampler->needs_score && has_target && c.target.kind != "gaussian" && c.target.kind != "mixture")
    v.fail("sampling.sampler", quoted(s.sampler),
           "follows the score grad log rhobar, which only gaussian and mixture targets have (target " +
               quoted(c.target.kind) + ")");
  if (s.sampler != "blob" && has_target && (c.target.kind == "gaussian" || c.target.kind == "mixture") &&
      c.target.floor_fraction)
    v.fail("target.floor_fraction", format_double(*c.target.floor_fraction),
           "sampler " + quoted(s.sampler) + " needs rhobar / int rhobar, and with a floor rhobar has infinite mass on "
           "R^d: leave the floor out (\"auto\")");
  if (sampler->kind == SamplerKind::langevin && c.integrator.method != "euler")
    v.fail("integrator.method", quoted(c.integrator.method),
           "sampler " + quoted(s.sampler) + " takes Euler-Maruyama steps of integrator.dt: set method = \"euler\"");
  if (s.sampler == "quantile" && c.problem.dimension != 1)
    v.fail("sampling.sampler", quoted(s.sampler), "is for dimension = 1 only; use \"iid\"");
  if (sampler->kind == SamplerKind::exact && has_target && c.target.kind == "grid")
    v.fail("sampling.sampler", quoted(s.sampler), "needs the target's law, which a grid target does not give");
  if (s.bandwidth != "median" && s.bandwidth != "median-t0") {
    char* end = nullptr;
    const double h = std::strtod(s.bandwidth.c_str(), &end);
    if (end == s.bandwidth.c_str() || *end != '\0' || !(h > 0.0) || !std::isfinite(h))
      v.fail("sampling.bandwidth", quoted(s.bandwidth), "must be a number > 0, \"median\" or \"median-t0\"");
  }
  if (given.count("sampling.bandwidth") && s.bandwidth != RunConfig::Sampling{}.bandwidth && s.sampler != "svgd")
    v.fail("sampling.bandwidth", quoted(s.bandwidth), "applies to sampler = \"svgd\" only");
  if (s.batch != 0) {
    const std::string value = std::to_string(s.batch);
    if (s.batch < 2 || s.batch > c.discretization.particles)
      v.fail("sampling.batch", value,
             "must be 0 or lie in [2, discretization.particles = " + std::to_string(c.discretization.particles) + "]");
    if (s.sampler != "blob" && s.sampler != "svgd")
      v.fail("sampling.batch", value, "applies to samplers \"blob\" and \"svgd\" only");
    else if (s.sampler == "blob" && is_registered(equation_registry(), c.problem.equation) && c.exponent() != 2.0)
      v.fail("sampling.batch", value,
             "needs a velocity linear in the other particles' masses (an energy quadratic in rho: wpme, or pme with "
             "m = 2; docs/math.md §8.3); m = " + format_double(c.exponent()));
    const IntegratorInfo* method = find_integrator(c.integrator.method);
    if (c.integrator.method == "auto" || (method && (method->adaptive || method->implicit)))
      v.fail("sampling.batch", value,
             "redraws the velocity every step; integrator.method = " + quoted(c.integrator.method) +
                 " needs a deterministic field: use a fixed-step explicit method");
  }
  if (!(s.mmd_length > 0.0) || !std::isfinite(s.mmd_length))
    v.fail("sampling.mmd_length", format_double(s.mmd_length), "must be > 0");
}

/// [coverage]: a region the target has a law on, a controller that can move the agents, drop-outs in the run's time.
void validate_coverage(const RunConfig& c, Violations& v) {
  const auto& cv = c.coverage;
  const auto d = static_cast<std::size_t>(c.problem.dimension);
  const auto numbers = [](const std::vector<double>& x) { return toml_numbers(x); };
  if (cv.region_lo.size() != cv.region_hi.size())
    v.fail("coverage.region_hi", numbers(cv.region_hi), "must hold as many numbers as region_lo");
  else if (c.has_region() && cv.region_lo.size() != 1 && cv.region_lo.size() != d)
    v.fail("coverage.region_lo", numbers(cv.region_lo), "must hold 1 or d = " + std::to_string(d) + " numbers");
  else
    for (std::size_t k = 0; k < cv.region_lo.size(); ++k)
      if (!(cv.region_lo[k] < cv.region_hi[k]) || !std::isfinite(cv.region_lo[k]) || !std::isfinite(cv.region_hi[k]))
        v.fail("coverage.region_hi", numbers(cv.region_hi), "each must be finite and above region_lo");
  const bool has_target = is_registered(equation_registry(), c.problem.equation) &&
                          equation_has_target(c.problem.equation) && !is_uniform_on_whole_space(c.target);
  if (c.has_region() && !has_target)
    v.fail("coverage.region_lo", numbers(cv.region_lo),
           "a region measures coverage of a target: needs problem.equation = \"wpme\" with a target");
  if (cv.controller != "blob" && cv.controller != "lloyd")
    v.fail("coverage.controller", Violations::quoted(cv.controller), "must be \"blob\" or \"lloyd\"");
  if (!(cv.gain > 0.0) || !std::isfinite(cv.gain))
    v.fail("coverage.gain", format_double(cv.gain), "must be > 0");
  else if (cv.gain != RunConfig::Coverage{}.gain && cv.controller != "lloyd")
    v.fail("coverage.gain", format_double(cv.gain), "applies to controller = \"lloyd\" only");
  if (cv.controller == "lloyd" && !c.has_region())
    v.fail("coverage.controller", "\"lloyd\"", "moves agents within a region: set coverage.region_lo and region_hi");
  if ((cv.controller == "lloyd" || !cv.dropouts.empty()) && (c.sampling.sampler != "blob" || c.sampling.batch != 0))
    v.fail("sampling.sampler", Violations::quoted(c.sampling.sampler),
           "coverage runs (a lloyd controller or drop-outs) move agents by the deterministic blob flow: needs "
           "sampler = \"blob\" without batches");
  double previous = c.problem.t0;
  for (std::size_t k = 0; k < cv.dropouts.size(); ++k) {
    const Dropout& e = cv.dropouts[k];
    const std::string key = "coverage.dropouts[" + std::to_string(k) + "]";
    if (!(e.t > c.problem.t0 && e.t <= c.problem.t_final))
      v.fail(key + ".t", format_double(e.t), "must lie in (problem.t0, problem.t_final] = (" +
                                                 format_double(c.problem.t0) + ", " + format_double(c.problem.t_final) + "]");
    else if (e.t < previous)
      v.fail(key + ".t", format_double(e.t), "must not be before the previous drop-out's t");
    previous = std::max(previous, e.t);
    if (e.agents.empty() && !(e.fraction > 0.0 && e.fraction < 1.0))
      v.fail(key + ".fraction", format_double(e.fraction), "must lie in (0, 1)");
    std::set<std::int64_t> seen;
    for (std::int64_t id : e.agents)
      if (id >= c.discretization.particles || !seen.insert(id).second)
        v.fail(key + ".agents", std::to_string(id),
               "must be distinct agent ids in [0, discretization.particles = " +
                   std::to_string(c.discretization.particles) + ")");
  }
  if (!(cv.recovery_factor > 1.0) || !std::isfinite(cv.recovery_factor))
    v.fail("coverage.recovery_factor", format_double(cv.recovery_factor), "must be > 1");
}

void validate_steps_and_output(const RunConfig& c, Violations& v) {
  const auto& p = c.problem;
  const auto& in = c.integrator;
  if (in.method != "auto" && !find_integrator(in.method))
    v.fail("integrator.method", Violations::quoted(in.method),
           Registry<IntegratorInfo>(integrator_registry()).rule_for(in.method) + " (or \"auto\")");
  if (!(in.dt > 0.0) || !std::isfinite(in.dt)) v.fail("integrator.dt", format_double(in.dt), "must be > 0");
  if (!(in.rtol > 0.0) || !std::isfinite(in.rtol)) v.fail("integrator.rtol", format_double(in.rtol), "must be > 0");
  if (!(in.atol > 0.0) || !std::isfinite(in.atol)) v.fail("integrator.atol", format_double(in.atol), "must be > 0");
  if (in.max_steps < 1) v.fail("integrator.max_steps", std::to_string(in.max_steps), "must be >= 1");
  if (!(c.collapse_radius >= 0.0) || !std::isfinite(c.collapse_radius))
    v.fail("integrator.collapse_radius", format_double(c.collapse_radius), "must be >= 0");

  const bool times_valid = std::isfinite(p.t0) && std::isfinite(p.t_final) && p.t_final > p.t0;
  for (double t : c.output.times)
    if (times_valid && !(t > p.t0 && t <= p.t_final))
      v.fail("output.times", format_double(t), "each time must lie in (problem.t0, problem.t_final] = (" +
                                                   format_double(p.t0) + ", " + format_double(p.t_final) + "]");
  if (c.output.diagnostics_every < 0)
    v.fail("output.diagnostics_every", std::to_string(c.output.diagnostics_every), "must be >= 0");
}

/// The largest N: the state and an integrator's stage copies take about 80 d bytes a particle (2.4 GB in 3D at
/// 10^7), and the fastest engines need seconds per step there (bench/bench_million measures 10^6); a larger N
/// exhausts memory or time (2^40 failed to allocate, 2^62 in 3D looped while placing its lattice).
constexpr std::int64_t kMaxParticles = 10000000;
/// The smallest target.quadrature_spacing (dy / eps): accuracy 1e-10 picks 0.63 for the Gaussian and 0.003 support
/// radii for the compact mollifiers (wpme_targets.hpp), so finer spacings gain nothing and multiply the lattice
/// nodes by spacing^-d (1e-9 overflows their count into a non-finite state).
constexpr double kMinQuadratureSpacing = 1e-3;
/// problem.mass is kept within [1e-100, 1e100]: the particle masses mass / N stay normal numbers for any allowed N
/// and the energy, which scales as mass^2, stays finite.
constexpr double kMinMass = 1e-100;
constexpr double kMaxMass = 1e100;

/// Rules the run would otherwise meet only once it computes (sizes, the y-integral method and its parameters, the
/// engine of a long-range interaction, magnitudes that overflow), checked here so a study's plan is refused whole.
void validate_run_time_rules(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  const auto& p = c.problem;
  const auto quoted = Violations::quoted;
  if (c.discretization.particles > kMaxParticles)
    v.fail("discretization.particles", std::to_string(c.discretization.particles),
           "must be <= " + std::to_string(kMaxParticles) + " (memory: about 80 d bytes a particle)");
  if (std::isfinite(p.mass) && p.mass > 0.0 && !(p.mass >= kMinMass && p.mass <= kMaxMass))
    v.fail("problem.mass", format_double(p.mass),
           "must lie in [1e-100, 1e100] (the particle masses mass / N must stay normal numbers)");
  if (p.initial_support.size() == 2 && std::isfinite(p.initial_support[0]) && std::isfinite(p.initial_support[1]) &&
      !std::isfinite(p.initial_support[1] - p.initial_support[0]))
    v.fail("problem.initial_support", "[" + format_double(p.initial_support[0]) + ", " +
                                          format_double(p.initial_support[1]) + "]",
           "its width hi - lo must be a finite number (it overflows)");
  const bool has_target = is_registered(equation_registry(), p.equation) && equation_has_target(p.equation);
  const auto& t = c.target;
  const bool target_keys = has_target || given.count("target.method") || given.count("target.quadrature_accuracy") ||
                           given.count("target.quadrature_spacing");
  if (target_keys && t.method != "auto" && t.method != "closed-form" && t.method != "quadrature")
    v.fail("target.method", quoted(t.method), "must be \"auto\", \"closed-form\" or \"quadrature\"");
  if (target_keys && !(t.quadrature_accuracy > 0.0 && t.quadrature_accuracy <= kMaxQuadratureAccuracy))
    v.fail("target.quadrature_accuracy", format_double(t.quadrature_accuracy), "must lie in (0, 0.1]");
  if (target_keys && !(t.quadrature_spacing == 0.0 ||
                       (t.quadrature_spacing >= kMinQuadratureSpacing && std::isfinite(t.quadrature_spacing))))
    v.fail("target.quadrature_spacing", format_double(t.quadrature_spacing),
           "must be 0 (from quadrature_accuracy) or a finite dy / eps >= " + format_double(kMinQuadratureSpacing));
  if (has_target && t.method == "closed-form" && is_registered(target_registry(), p.target)) {
    bool piecewise = false;
    try {
      piecewise = !is_uniform_on_whole_space(t) && make_target(t, p.dimension)->piecewise_inverse() != nullptr;
    } catch (const std::exception&) {
      piecewise = true;  // the target's own violation is reported by validate_drift_sections
    }
    if (c.discretization.mollifier != "gaussian" || !piecewise)
      v.fail("target.method", quoted(t.method),
             "needs mollifier \"gaussian\" and a piecewise-constant target (uniform with a box, piecewise); got "
             "mollifier " + quoted(c.discretization.mollifier) + ", target " + quoted(p.target));
  }
  if (c.interaction.kind == "newtonian" && c.discretization.engine != "auto" && c.discretization.engine != "direct")
    v.fail("discretization.engine", quoted(c.discretization.engine),
           "must be \"direct\" or \"auto\" with interaction.kind = \"newtonian\" (long-range, no cutoff)");
}

/// The parameters of each potential, interaction and target kind: a parameter given, with a value other than its
/// default, for a kind that does not read it would be silently ignored, so it is refused. Only an override that
/// switches the kind afterwards (`--set problem.target=piecewise` on a file with a Gaussian target, or a sweep
/// axis) leaves the earlier layers' parameters inert without a word (forget_parameters_of_switched_kinds).
struct KindParameter {
  std::string_view key;
  std::string_view kind_key;
  std::vector<std::string_view> kinds;
};
const std::vector<KindParameter>& kind_parameters() {
  static const std::vector<KindParameter> kParameters = {
      {"potential.strength", "potential.kind", {"quadratic", "double-well"}},
      {"potential.center", "potential.kind", {"quadratic"}},
      {"potential.well_radius", "potential.kind", {"double-well"}},
      {"potential.coefficients", "potential.kind", {"polynomial"}},
      {"interaction.amplitude", "interaction.kind", {"gaussian"}},
      {"interaction.length", "interaction.kind", {"gaussian"}},
      {"interaction.chi", "interaction.kind", {"newtonian"}},
      {"target.box_lo", "problem.target", {"uniform"}},
      {"target.box_hi", "problem.target", {"uniform"}},
      {"target.mean", "problem.target", {"gaussian"}},
      {"target.covariance", "problem.target", {"gaussian"}},
      {"target.weights", "problem.target", {"mixture"}},
      {"target.means", "problem.target", {"mixture"}},
      {"target.covariances", "problem.target", {"mixture"}},
      {"target.pieces", "problem.target", {"piecewise"}},
      {"target.grid_file", "problem.target", {"grid"}},
  };
  return kParameters;
}
void validate_kind_parameters(const RunConfig& c, const std::set<std::string>& given, Violations& v) {
  for (const KindParameter& p : kind_parameters()) {
    if (!given.count(std::string(p.key))) continue;
    const bool no_target = !is_registered(equation_registry(), c.problem.equation) ||
                           !equation_has_target(c.problem.equation);  // validate_drift_sections says so
    if (p.kind_key == "problem.target" && no_target) continue;
    const std::string& kind = p.kind_key == "potential.kind"     ? c.potential.kind
                              : p.kind_key == "interaction.kind" ? c.interaction.kind
                                                                 : c.problem.target;
    if (std::find(p.kinds.begin(), p.kinds.end(), kind) != p.kinds.end()) continue;
    std::string kinds;
    for (const std::string_view k : p.kinds) kinds += (kinds.empty() ? "\"" : " or \"") + std::string(k) + "\"";
    const std::size_t dot = p.key.find('.');
    const KeySpec* spec = find_key(p.key.substr(0, dot), p.key.substr(dot + 1));
    if (!spec || spec->json(c) == spec->json(RunConfig{})) continue;  // the default is harmless, as in a full file
    v.fail(std::string(p.key), spec->json(c).dump(),
           "applies to " + std::string(p.kind_key) + " = " + kinds + " only (it is " + Violations::quoted(kind) +
               ", which would ignore it)");
  }
}

/// " (did you mean ...)" or " (it belongs in [...])" for a key `section` does not have, or "".
std::string unknown_key_hint(const std::string& section, std::string_view key) {
  std::vector<std::string> section_keys, all_keys;
  for (const KeySpec& k : key_table()) {
    if (k.section == section) section_keys.emplace_back(k.name);
    all_keys.push_back(k.full_name());
  }
  std::string hint = did_you_mean(key, section_keys);
  if (hint.empty()) hint = did_you_mean(section + "." + std::string(key), all_keys);
  for (const KeySpec& k : key_table())
    if (hint.empty() && k.name == key) hint = " (it belongs in [" + std::string(k.section) + "])";
  return hint;
}

/// A configuration read from a TOML table, with the keys the table gave.
struct TableRead {
  RunConfig config;
  std::set<std::string> given;
};

/// Reads every key of the table (not validated); violations of types and names go to `errors`.
TableRead read_table(const toml::table& table, std::vector<std::string>& errors) {
  TableRead out;
  Reader reader(errors);
  const std::vector<KeySpec>& keys = key_table();
  std::vector<std::string> range_errors(keys.size());  // by key, reported in table order after the others
  const std::vector<std::string> sections = section_names();
  for (const auto& [section_key, section_node] : table) {
    const std::string section(section_key.str());
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      errors.push_back("[" + section + "]: unknown section" + did_you_mean(section, sections));
      continue;
    }
    const toml::table* body = section_node.as_table();
    if (!body) {
      errors.push_back(section + " = " + format_node(section_node) + ": must be a table [" + section + "]");
      continue;
    }
    for (const auto& [key, node] : *body) {
      const std::string name = section + "." + std::string(key.str());
      const KeySpec* k = find_key(section, key.str());
      if (!k) {
        errors.push_back(name + ": unknown key" + unknown_key_hint(section, key.str()));
        continue;
      }
      out.given.insert(name);
      const ReadArgs args{name, node, out.config, reader, k->rule, range_errors[std::size_t(k - keys.data())]};
      std::visit([&](const auto& f) { f.read(args); }, k->field);
    }
  }
  for (std::string& e : range_errors)
    if (!e.empty()) errors.push_back(std::move(e));
  out.config.target.kind = out.config.problem.target;
  return out;
}

toml::table toml_table(const nlohmann::json& object, const std::string& where, std::vector<std::string>& errors);
toml::array toml_array(const nlohmann::json& array, const std::string& where, std::vector<std::string>& errors);

/// Passes the TOML counterpart of a JSON value to `insert`; a null is a violation.
template <class Insert>
void with_toml(const nlohmann::json& v, const std::string& where, std::vector<std::string>& errors, Insert insert) {
  using T = nlohmann::json::value_t;
  switch (v.type()) {
    case T::object: return insert(toml_table(v, where, errors));
    case T::array: return insert(toml_array(v, where, errors));
    case T::string: return insert(v.get<std::string>());
    case T::boolean: return insert(v.get<bool>());
    case T::number_integer: return insert(v.get<std::int64_t>());
    case T::number_unsigned:
      if (v.get<std::uint64_t>() <= std::uint64_t(kMaxInt64)) return insert(v.get<std::int64_t>());
      return insert(v.get<double>());
    case T::number_float: return insert(v.get<double>());
    default: errors.push_back(where + " = " + v.dump() + ": must be a string, a number, an array or an object");
  }
}

toml::table toml_table(const nlohmann::json& object, const std::string& where, std::vector<std::string>& errors) {
  toml::table table;
  for (auto it = object.begin(); it != object.end(); ++it)
    with_toml(it.value(), where.empty() ? it.key() : where + "." + it.key(), errors,
              [&](auto&& node) { table.insert(it.key(), std::forward<decltype(node)>(node)); });
  return table;
}

toml::array toml_array(const nlohmann::json& array, const std::string& where, std::vector<std::string>& errors) {
  toml::array out;
  for (std::size_t i = 0; i < array.size(); ++i)
    with_toml(array[i], where + "[" + std::to_string(i) + "]", errors,
              [&](auto&& node) { out.push_back(std::forward<decltype(node)>(node)); });
  return out;
}


/// A JSON scalar (string, boolean, integer, floating-point number) handed to `put` as the TOML value a file would hold;
/// false for null and anything else TOML has no value for.
template <class Put>
bool put_toml_scalar(const nlohmann::json& v, Put put) {
  switch (v.type()) {
    case nlohmann::json::value_t::string: put(v.get<std::string>()); return true;
    case nlohmann::json::value_t::boolean: put(v.get<bool>()); return true;
    case nlohmann::json::value_t::number_integer: put(v.get<std::int64_t>()); return true;
    case nlohmann::json::value_t::number_unsigned:
      if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
      put(v.get<std::int64_t>());
      return true;
    case nlohmann::json::value_t::number_float: put(v.get<double>()); return true;
    default: return false;
  }
}

void json_to_toml_table(const nlohmann::json& object, const std::string& prefix, toml::table& out,
                        std::vector<std::string>& errors);

/// The elements of a JSON array as a TOML array; `key` names it in messages.
void json_to_toml_array(const nlohmann::json& array, const std::string& key, toml::array& out,
                        std::vector<std::string>& errors) {
  for (std::size_t i = 0; i < array.size(); ++i) {
    const nlohmann::json& v = array[i];
    const std::string name = key + "[" + std::to_string(i) + "]";
    if (v.is_object()) {
      toml::table t;
      json_to_toml_table(v, name, t, errors);
      out.push_back(std::move(t));
    } else if (v.is_array()) {
      toml::array a;
      json_to_toml_array(v, name, a, errors);
      out.push_back(std::move(a));
    } else if (!put_toml_scalar(v, [&](auto x) { out.push_back(std::move(x)); })) {
      errors.push_back(name + " = " + v.dump() + ": a TOML file cannot hold this value");
    }
  }
}

/// The members of a JSON object as the TOML table a file would hold; `prefix` ("section" or "") names them.
void json_to_toml_table(const nlohmann::json& object, const std::string& prefix, toml::table& out,
                        std::vector<std::string>& errors) {
  for (const auto& item : object.items()) {
    const std::string& k = item.key();  // not a structured binding: the lambda below captures it (clang 14)
    const nlohmann::json& v = item.value();
    const std::string name = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object()) {
      toml::table t;
      json_to_toml_table(v, name, t, errors);
      out.insert(k, std::move(t));
    } else if (v.is_array()) {
      toml::array a;
      json_to_toml_array(v, name, a, errors);
      out.insert(k, std::move(a));
    } else if (!put_toml_scalar(v, [&](auto x) { out.insert(k, std::move(x)); })) {
      errors.push_back(name + " = " + v.dump() + ": a TOML file cannot hold this value (leave the key out for its "
                       "default)");
    }
  }
}

/// Layers: the file, then each override in order. A kind key (problem.target, potential.kind, interaction.kind)
/// set by an override makes the parameters of that kind family from earlier layers inert: they leave `given`, so
/// validate_kind_parameters does not refuse them (the file's Gaussian mean, once an override picks "piecewise").
void forget_parameters_of_switched_kinds(const std::vector<std::string>& overrides, std::set<std::string>& given) {
  std::map<std::string, std::size_t> layer;  // key -> last override that set it, counted from 1 (0: the file)
  for (std::size_t i = 0; i < overrides.size(); ++i) layer[overrides[i].substr(0, overrides[i].find('='))] = i + 1;
  const auto layer_of = [&](std::string_view key) {
    const auto it = layer.find(std::string(key));
    return it == layer.end() ? std::size_t{0} : it->second;
  };
  for (const KindParameter& p : kind_parameters())
    if (layer_of(p.key) < layer_of(p.kind_key)) given.erase(std::string(p.key));
}

/// The configuration of `table` after `overrides`, validated; `errors` holds the violations found so far.
/// \throws ConfigError with every violation.
RunConfig overridden_and_validated(toml::table table, const std::vector<std::string>& overrides,
                                   std::vector<std::string> errors) {
  for (const auto& assignment : overrides) apply_override(table, assignment, errors);
  if (!errors.empty()) throw ConfigError(errors);
  TableRead read = read_table(table, errors);
  forget_parameters_of_switched_kinds(overrides, read.given);
  if (errors.empty()) errors = validate(read.config, read.given);
  if (!errors.empty()) throw ConfigError(errors);
  return std::move(read.config);
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> violations)
    : std::runtime_error([&] {
        std::string s = "invalid configuration:";
        for (const auto& v : violations) s += "\n  " + v;
        return s;
      }()),
      violations_(std::move(violations)) {}

bool RunConfig::uses_seed() const {
  const SamplerInfo* sampler = find_sampler(sampling.sampler);
  const bool random_dropout = std::any_of(coverage.dropouts.begin(), coverage.dropouts.end(),
                                          [](const Dropout& e) { return e.agents.empty(); });
  return discretization.placement == "random" || (sampler && sampler->random) || sampling.batch > 0 ||
         random_dropout || (problem.equation == kNetworkEquationName && network_training.training == "sgd");
}

double RunConfig::exponent() const { return equation_fixed_exponent(problem.equation).value_or(problem.m); }

std::vector<double> RunConfig::resolved_output_times() const {
  std::vector<double> times = output.times;
  times.push_back(problem.t_final);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  return times;
}

bool operator==(const RunConfig& a, const RunConfig& b) {
  for (const KeySpec& k : key_table())
    if (k.json(a) != k.json(b)) return false;
  return a.target.kind == b.target.kind;
}

std::span<const ConfigKey> config_schema() {
  static const std::vector<ConfigKey> schema = [] {
    const RunConfig defaults;
    std::vector<ConfigKey> keys;
    for (const KeySpec& k : key_table()) keys.push_back({k.section, k.name, k.toml(defaults), k.rule, k.help});
    return keys;
  }();
  return schema;
}

std::vector<std::string> validate(const RunConfig& config, const std::set<std::string>& given_keys) {
  Violations v;
  validate_problem(config, given_keys, v);
  validate_discretization(config, v);
  validate_drift_sections(config, given_keys, v);
  validate_network(config, given_keys, v);
  validate_steps_and_output(config, v);
  validate_sampling(config, given_keys, v);
  validate_coverage(config, v);
  validate_run_time_rules(config, given_keys, v);
  validate_kind_parameters(config, given_keys, v);
  return v.lines;
}

std::vector<std::string> validate(const RunConfig& config) {
  const RunConfig defaults;
  std::set<std::string> changed;
  for (const KeySpec& k : key_table())
    if (k.json(config) != k.json(defaults)) changed.insert(k.full_name());
  return validate(config, changed);
}

RunConfig parse_run_config(std::string_view toml_text, const std::string& source,
                           const std::vector<std::string>& overrides) {
  return overridden_and_validated(detail::parse_toml_document(toml_text, source), overrides, {});
}

RunConfig run_config_from_sections(const nlohmann::json& sections, const std::vector<std::string>& overrides) {
  if (!sections.is_object())
    throw ConfigError({"configuration = " + clip_for_message(sections.dump()) + ": must be an object of sections"});
  toml::table table;
  std::vector<std::string> errors;
  json_to_toml_table(sections, "", table, errors);
  return overridden_and_validated(std::move(table), overrides, std::move(errors));
}

RunConfig load_run_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  if (std::filesystem::is_directory(file))
    throw ConfigError({file.string() + ": is a directory: cannot read the configuration file"});
  std::ifstream in(file);
  if (!in) throw ConfigError({file.string() + ": cannot read the configuration file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_run_config(text.str(), file.string(), overrides);
}

nlohmann::json to_json(const RunConfig& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const KeySpec& k : key_table()) j[k.section][k.name] = k.json(c);
  j["output"]["times"] = c.resolved_output_times();
  // The seed only where it is used, so that the configuration hash of a deterministic run ignores it.
  if (!c.uses_seed()) j["discretization"].erase("seed");
  // The sampling section only where it is not the default blob method, so that runs of the equations keep the
  // hashes they had before it existed.
  const RunConfig::Sampling blob;
  if (c.sampling.sampler == blob.sampler && c.sampling.bandwidth == blob.bandwidth && c.sampling.batch == blob.batch &&
      c.sampling.mmd_length == blob.mmd_length)
    j.erase("sampling");
  // The coverage section only where it is used, for the same reason.
  const RunConfig::Coverage none;
  if (c.coverage.region_lo.empty() && c.coverage.region_hi.empty() && c.coverage.controller == none.controller &&
      c.coverage.dropouts.empty() && c.coverage.recovery_factor == none.recovery_factor)
    j.erase("coverage");
  else if (c.coverage.gain == none.gain)
    j["coverage"].erase("gain");  // only Lloyd's agents have a gain
  // The network section only for equation "network", so that runs of the other equations keep their hashes.
  if (c.problem.equation != kNetworkEquationName) j.erase("network");
  // The collapse check only where it is on, so that runs without it keep the hashes they had before it existed.
  if (c.collapse_radius == 0.0) j["integrator"].erase("collapse_radius");
  return j;
}

RunConfig from_json(const nlohmann::json& json) {
  if (!json.is_object()) throw ConfigError({"configuration = " + json.dump() + ": must be a JSON object of sections"});
  std::vector<std::string> errors;
  const toml::table table = toml_table(json, "", errors);
  if (!errors.empty()) throw ConfigError(errors);
  RunConfig c = read_table(table, errors).config;
  if (!errors.empty()) throw ConfigError(errors);
  // to_json writes the resolved output times, which end with t_final.
  if (!c.output.times.empty() && c.output.times.back() == c.problem.t_final) c.output.times.pop_back();
  return c;
}

}  // namespace blobflow
