// blobflow._core: exact laws (studies/law_spec.hpp, the `blobflow distance --exact` specs), the Wasserstein
// distances (analysis/wasserstein1d.hpp, wasserstein2d.hpp, semidiscrete_ot.hpp) and the rate fit of the reports
// (analysis/rate_fit.hpp).
#include <cmath>
#include <limits>

#include "bindings.hpp"
#include "blobflow/analysis/rate_fit.hpp"
#include "blobflow/analysis/semidiscrete_ot.hpp"
#include "blobflow/analysis/wasserstein1d.hpp"
#include "blobflow/analysis/wasserstein2d.hpp"
#include "blobflow/studies/law_spec.hpp"

#include <pybind11/stl.h>

namespace blobflow::python {
namespace {

/// An exact law with the spec it was parsed from.
struct Law {
  ExactLaw law;
  std::string spec;
};

const analysis::Law1D& law_1d(const Law& l, const char* what) {
  if (!l.law.law_1d)
    throw std::invalid_argument(std::string(what) + ": the law " + l.spec + " has no quantile function in blobflow "
                                "(1D barenblatt, uniform, ball and gaussian have one)");
  return *l.law.law_1d;
}

/// f applied to each entry of `values` (any shape), in an array of the same shape.
template <class F>
Array map_values(const Array& values, F f) {
  Array out(std::vector<py::ssize_t>(values.shape(), values.shape() + values.ndim()));
  const double* in = values.data();
  double* o = out.mutable_data();
  for (py::ssize_t k = 0; k < values.size(); ++k) o[k] = f(in[k]);
  return out;
}

Array density(const Law& l, const Array& x) {
  const int d = l.law.dimension;
  const std::span<const double> coords = points_of(x, d, "x");
  const std::size_t n = coords.size() / static_cast<std::size_t>(d);
  std::vector<double> rho(n);
  for (std::size_t i = 0; i < n; ++i) {
    analysis::Point3 p{};
    std::copy_n(coords.data() + i * static_cast<std::size_t>(d), d, p.begin());
    rho[i] = l.law.law->density(p);
  }
  return new_array(rho, n);
}

/// The exponent p of W_p: 1, 2 or infinity.
double exponent_of(const py::object& p) {
  const double v = p.cast<double>();
  if (v != 1.0 && v != 2.0 && v != std::numeric_limits<double>::infinity())
    throw std::invalid_argument("p = " + py::str(p).cast<std::string>() + ": must be 1, 2 or inf");
  return v;
}

double pick(const analysis::WassersteinDistances& w, double p) { return p == 1.0 ? w.w1 : p == 2.0 ? w.w2 : w.winf; }

py::dict semidiscrete(const Array& x, const py::object& masses, const Law& l, double tolerance, int max_iterations) {
  const std::span<const double> coords = points_of(x, l.law.dimension, "x");
  const std::size_t n = coords.size() / static_cast<std::size_t>(l.law.dimension);
  const Array w = weights_of(masses, n, "masses");
  analysis::SemiDiscreteResult r;
  {
    py::gil_scoped_release release;
    r = analysis::semidiscrete_w2(coords, {w.data(), n}, *l.law.law, {tolerance, max_iterations});
  }
  py::dict out;
  out["w2"] = r.w2;
  out["residual"] = r.residual;
  out["lower_bound"] = r.lower_bound;
  out["iterations"] = r.iterations;
  out["status"] = std::string(analysis::to_string(r.status));
  out["merged"] = r.n_merged;
  return out;
}

/// W_p of particles against a law: exact in 1D (quantile coupling), semi-discrete W2 otherwise.
double wasserstein_to_law(std::span<const double> coords, const Array& w, const Law& l, double p) {
  const std::size_t n = static_cast<std::size_t>(w.shape(0));
  if (l.law.dimension == 1 && l.law.law_1d) {
    py::gil_scoped_release release;
    return pick(analysis::wasserstein_1d(coords, {w.data(), n}, *l.law.law_1d), p);
  }
  if (p != 2.0)
    throw std::invalid_argument("p = " + std::to_string(p) + ": only W2 against " + l.spec + " (d = " +
                                std::to_string(l.law.dimension) + ", by semi-discrete transport)");
  analysis::SemiDiscreteResult r;
  {
    py::gil_scoped_release release;
    r = analysis::semidiscrete_w2(coords, {w.data(), n}, *l.law.law);
  }
  if (r.status != analysis::SemiDiscreteStatus::converged)
    throw std::runtime_error("semi-discrete W2 against " + l.spec + " did not converge: " +
                             std::string(analysis::to_string(r.status)) + ", residual " + std::to_string(r.residual) +
                             " (blobflow.semidiscrete_w2 returns the last iterate)");
  return r.w2;
}

double wasserstein(const Array& x, const py::object& masses, const py::object& other, const py::object& y_masses,
                   const py::object& p_object) {
  const double p = exponent_of(p_object);
  const auto [n, d] = shape_of_points(x, "x");
  const Array w = weights_of(masses, n, "masses");
  const std::span<const double> coords = points_of(x, d, "x");
  if (py::isinstance<Law>(other) || py::isinstance<py::str>(other)) {
    const Law l = py::isinstance<Law>(other) ? other.cast<Law>() : Law{parse_exact_law(other.cast<std::string>(), d),
                                                                       other.cast<std::string>()};
    if (l.law.dimension != d)
      throw std::invalid_argument("the law " + l.spec + " has d = " + std::to_string(l.law.dimension) +
                                  "; the points have d = " + std::to_string(d));
    return wasserstein_to_law(coords, w, l, p);
  }
  const Array y = other.cast<Array>();
  const auto [m, dy] = shape_of_points(y, "y");
  if (dy != d) throw std::invalid_argument("x and y: have d = " + std::to_string(d) + " and " + std::to_string(dy));
  const Array v = weights_of(y_masses, m, "y_masses");
  const std::span<const double> ycoords = points_of(y, d, "y");
  py::gil_scoped_release release;
  if (d == 1) return pick(analysis::wasserstein_1d(coords, {w.data(), n}, ycoords, {v.data(), m}), p);
  if (p != 2.0) throw std::invalid_argument("p: between point sets in d = 2, 3 only W2 (network simplex)");
  return analysis::wasserstein2_discrete(d, coords, {w.data(), n}, ycoords, {v.data(), m});
}

py::dict fit_rate(const Array& x, const Array& errors, const py::object& expected_slope) {
  if (x.ndim() != 1 || errors.ndim() != 1 || x.shape(0) != errors.shape(0))
    throw std::invalid_argument("x and errors: must be two arrays of shape (n,)");
  const auto n = static_cast<std::size_t>(x.shape(0));
  analysis::RateWindowOptions window;  // the reports' settings (reports/study_report.cpp)
  if (!expected_slope.is_none()) window.expected_slope = expected_slope.cast<double>();
  const analysis::RateFit r = analysis::fit_convergence_rate({x.data(), n}, {errors.data(), n}, window);
  py::dict out;
  out["ok"] = r.fit.ok;
  out["message"] = r.fit.message;
  out["slope"] = r.fit.exponent;
  out["intercept"] = r.fit.intercept;
  out["std_error"] = r.fit.std_error;
  out["ci95"] = py::make_tuple(r.fit.ci95_low, r.fit.ci95_high);
  out["window"] = r.n_used > 0 ? py::object(py::make_tuple(r.first_used, r.last_used)) : py::none();
  out["n_used"] = r.n_used;
  out["reference_slope"] = r.reference_slope;
  std::vector<double> rates;
  std::vector<std::string> status, reasons;
  for (const analysis::RatePoint& point : r.points) {
    rates.push_back(point.rate);
    status.emplace_back(analysis::to_string(point.status));
    reasons.push_back(point.reason);
  }
  out["rates"] = new_array(rates, rates.size());
  out["status"] = status;
  out["reasons"] = reasons;
  out["summary"] = r.summary;
  out["table"] = analysis::convergence_table_text(r);
  return out;
}

}  // namespace

void bind_analysis(py::module_& m) {
  py::class_<Law>(m, "Law",
                  "An exact law (blobflow.law, barenblatt, uniform, ball, gaussian, mixture): density in d = 1, 2, 3; "
                  "cdf and quantile in 1D where the law has them.")
      .def(py::init([](const std::string& spec, int dimension) { return Law{parse_exact_law(spec, dimension), spec}; }),
           py::arg("spec"), py::arg("d"), "The law of a `blobflow distance --exact` SPEC in dimension d (unless "
           "the spec sets d); ValueError naming the key for a bad spec.")
      .def_property_readonly("dimension", [](const Law& l) { return l.law.dimension; }, "d")
      .def_property_readonly("spec", [](const Law& l) { return l.spec; }, "the SPEC it was built from")
      .def_property_readonly("has_quantile", [](const Law& l) { return l.law.law_1d != nullptr; },
                             "whether cdf and quantile exist (1D barenblatt, uniform, ball, gaussian)")
      .def("density", &density, py::arg("x"), "The density at the points x, (N, d) or (N,) in 1D: an (N,) array.")
      .def("cdf", [](const Law& l, const Array& x) {
             const analysis::Law1D& law = law_1d(l, "cdf");
             return map_values(x, [&](double v) { return law.cdf(v); });
           }, py::arg("x"), "P(X <= x) for every entry of x (1D laws with a quantile function).")
      .def("quantile", [](const Law& l, const Array& u) {
             const analysis::Law1D& law = law_1d(l, "quantile");
             return map_values(u, [&](double v) { return law.quantile(v); });
           }, py::arg("u"), "Q(u), cdf(Q(u)) = u, for every entry of u in [0, 1] (1D laws with one).")
      .def("__repr__", [](const Law& l) { return "blobflow.Law(\"" + l.spec + "\", d=" +
                                                  std::to_string(l.law.dimension) + ")"; });
  m.def("exact_law_help", &exact_law_help, "The SPECs blobflow.law takes, one line per kind.");
  m.def("wasserstein", &wasserstein, py::arg("x"), py::arg("masses"), py::arg("other"), py::arg("y_masses"),
        py::arg("p"));
  m.def("semidiscrete_w2", &semidiscrete, py::arg("x"), py::arg("masses"), py::arg("law"), py::arg("tolerance"),
        py::arg("max_iterations"));
  m.def("fit_rate", &fit_rate, py::arg("x"), py::arg("errors"), py::arg("expected_slope"));
}

}  // namespace blobflow::python
