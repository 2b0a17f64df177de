// The Python module blobflow._core: the C++ API of blobflow for NumPy (docs/python.md). The package blobflow
// (python/blobflow/__init__.py) wraps it with the conversions that are plain Python (dicts, paths, pandas).
#include <algorithm>
#include <stdexcept>

#include "bindings.hpp"
#include "blobflow/solvers/simd_sum.hpp"
#include "blobflow/studies/config.hpp"
#include "blobflow/studies/message.hpp"

namespace blobflow::python {

std::pair<std::size_t, int> shape_of_points(const Array& points, const char* what) {
  if (points.ndim() == 1) return {static_cast<std::size_t>(points.shape(0)), 1};
  if (points.ndim() != 2 || points.shape(1) < 1 || points.shape(1) > 3)
    throw std::invalid_argument(std::string(what) + ": must be an array of shape (N, d) with d = 1, 2 or 3, or (N,)");
  return {static_cast<std::size_t>(points.shape(0)), static_cast<int>(points.shape(1))};
}

std::span<const double> points_of(const Array& points, int dimension, const char* what) {
  const auto [n, d] = shape_of_points(points, what);
  if (d != dimension && !(points.ndim() == 1 && dimension == 1))
    throw std::invalid_argument(std::string(what) + ": has " + std::to_string(d) + " coordinates per point; the " +
                                "field or law has d = " + std::to_string(dimension));
  return {points.data(), n * static_cast<std::size_t>(dimension)};
}

Array weights_of(const py::object& values, std::size_t n, const char* what) {
  if (values.is_none()) {
    Array equal(static_cast<py::ssize_t>(n));
    std::fill(equal.mutable_data(), equal.mutable_data() + n, 1.0 / static_cast<double>(n));
    return equal;
  }
  Array w = values.cast<Array>();
  if (w.ndim() != 1 || static_cast<std::size_t>(w.shape(0)) != n)
    throw std::invalid_argument(std::string(what) + ": must hold one value per point (" + std::to_string(n) + ")");
  return w;
}

py::object to_python(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

Array new_array(std::span<const double> values, std::size_t rows, std::size_t cols) {
  Array out = cols == 0 ? Array(static_cast<py::ssize_t>(rows))
                        : Array({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  std::copy(values.begin(), values.end(), out.mutable_data());
  return out;
}

}  // namespace blobflow::python

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using namespace blobflow::python;
  m.doc() = "blobflow's C++ API (the package blobflow wraps it; see help(blobflow)).";
  // A configuration that cannot be run: the command line's message ("invalid configuration:" and one line per
  // broken rule, each naming its key), as a ValueError.
  static py::exception<blobflow::ConfigError> config_error(m, "ConfigError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const blobflow::ConfigError& e) {
      config_error(e.what());
    } catch (const blobflow::UsageRefused& e) {  // a directory it must not write to, a differing plan: bad usage
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("simd_target", [] { return blobflow::simd_target_name(blobflow::simd_target()); },
        "The SIMD target the summation engines run on (AVX3, AVX2, ...).");
  bind_run(m);
  bind_field(m);
  bind_analysis(m);
}
