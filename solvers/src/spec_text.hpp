// How the solver factories quote the numbers of a specification in their messages ("target.mean = [0, 1]: rule"):
// 17 significant digits, so that the value in a message reads back as the value given.
#pragma once

#include <span>
#include <sstream>
#include <string>

namespace blobflow::spec_text {

inline std::string number(double x) {
  std::ostringstream s;
  s.precision(17);
  s << x;
  return s.str();
}

inline std::string list(std::span<const double> v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + number(v[i]);
  return s + "]";
}

}  // namespace blobflow::spec_text
