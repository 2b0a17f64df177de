// Registries: the one place where a name from a configuration or the command line is mapped to a choice. Every
// concept with named choices (equations, mollifiers, summation engines, integrators, target kinds, potentials,
// interaction kernels, metrics) lists its entries once, each with its name and description; `blobflow list`, the
// validation messages with their "did you mean", and the factories all read that list.
//
// Two shapes:
// - a table of entries (a struct whose first members are `name` and `description`, plus whatever the concept needs:
//   a factory function, an order, flags) wrapped in Registry<Entry>;
// - a TypeRegistry<Ts...> over types that carry `kName` and `kDescription`, for choices that are types (mollifiers,
//   engines, equations): it yields the std::variant of the choices and calls a templated function with the type a
//   name stands for, so the templated code inside never sees a string.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace blobflow {

/// A named, documented choice (an equation, a mollifier, an integrator, an engine, a target kind...).
struct ComponentInfo {
  std::string_view name;
  std::string_view description;
};

/// The number of single-letter insertions, deletions and substitutions that turn `a` into `b` (Levenshtein).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// " (did you mean \"x\"?)" for the candidate closest to `given` within a small edit distance, or "".
std::string did_you_mean(std::string_view given, std::span<const std::string> candidates);

/// How a name is referred to in the message of a failed lookup: the key it was given as ("target.kind") and,
/// optionally, what it names ("equation": the message then says "unknown equation").
struct NameContext {
  std::string_view key;
  std::string_view noun = {};
};

/// A list of registered entries. `Entry` has `std::string_view name` and `std::string_view description`.
template <class Entry>
class Registry {
 public:
  constexpr explicit Registry(std::span<const Entry> entries) : entries_(entries) {}

  std::span<const Entry> entries() const { return entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }

  /// The entry called `name`, or nullptr.
  const Entry* find(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  bool contains(std::string_view name) const { return find(name) != nullptr; }

  /// The names, in order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.emplace_back(e.name);
    return out;
  }
  /// "\"a\", \"b\", \"c\"" for messages.
  std::string quoted_names() const {
    std::string s;
    for (const Entry& e : entries_) s += (s.empty() ? "\"" : ", \"") + std::string(e.name) + "\"";
    return s;
  }
  /// The rule a bad name breaks: "must be one of \"a\", \"b\" (did you mean \"a\"?)".
  std::string rule_for(std::string_view given) const {
    const std::vector<std::string> candidates = names();
    return "must be one of " + quoted_names() + did_you_mean(given, candidates);
  }
  /// The entry called `name`. \throws std::invalid_argument "key = \"name\": [unknown noun, ]must be one of ..."
  /// otherwise.
  const Entry& require(std::string_view name, NameContext context) const {
    if (const Entry* e = find(name)) return *e;
    const std::string unknown = context.noun.empty() ? "" : "unknown " + std::string(context.noun) + ", ";
    throw std::invalid_argument(std::string(context.key) + " = \"" + std::string(name) + "\": " + unknown +
                                rule_for(name));
  }

 private:
  std::span<const Entry> entries_;
};

/// An entry that maps a name to a value of an enumeration (an initial datum, a placement, a quadrature method).
template <class T>
struct NamedChoice {
  std::string_view name;
  std::string_view description;
  T value;
};

/// The value `name` stands for in `table`. \throws std::invalid_argument naming the context otherwise.
template <class T, std::size_t N>
T choice_of(const NamedChoice<T> (&table)[N], std::string_view name, NameContext context) {
  return Registry<NamedChoice<T>>(std::span<const NamedChoice<T>>(table)).require(name, context).value;
}

/// The registry of choices that are types: each T has `static constexpr const char* kName` and `kDescription`.
template <class... Ts>
struct TypeRegistry {
  using Variant = std::variant<Ts...>;
  static constexpr std::array<ComponentInfo, sizeof...(Ts)> kInfo{ComponentInfo{Ts::kName, Ts::kDescription}...};

  static Registry<ComponentInfo> registry() { return Registry<ComponentInfo>(kInfo); }

  /// Calls `f.template operator()<T>()` for the T named `name` and returns its result (the same type for every T).
  /// \throws std::invalid_argument naming the context when no T is called `name`.
  template <class F>
  static decltype(auto) dispatch(std::string_view name, NameContext context, F&& f) {
    using R = decltype(f.template operator()<std::tuple_element_t<0, std::tuple<Ts...>>>());
    const auto index = static_cast<std::size_t>(&registry().require(name, context) - kInfo.data());
    return dispatch_index<R>(index, std::forward<F>(f), std::index_sequence_for<Ts...>{});
  }

 private:
  template <class R, class F, std::size_t... I>
  static R dispatch_index(std::size_t index, F&& f, std::index_sequence<I...>) {
    using Types = std::tuple<Ts...>;
    if constexpr (std::is_void_v<R>) {
      static_cast<void>(
          ((index == I ? (f.template operator()<std::tuple_element_t<I, Types>>(), true) : false) || ...));
    } else {
      std::optional<R> out;
      static_cast<void>(
          ((index == I ? (out.emplace(f.template operator()<std::tuple_element_t<I, Types>>()), true) : false) || ...));
      return std::move(*out);
    }
  }
};

}  // namespace blobflow
