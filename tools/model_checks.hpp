// Checks the model commands make on what they compute, after their inputs were found finite
// (tools/weights.hpp, models/io/csv_data.hpp): a loss or gradient that is not finite then
// overflowed, which has a message of its own, distinct from divergence during training; and, before
// a gradient check, an estimate of its time and a progress line.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "graph/var.hpp"
#include "models/module.hpp"

namespace tapegrad::tools {

// Throws Error "<command>: the loss overflowed <where>: it is inf. ..." if `loss` is not finite,
// or names the first gradient element of `net` (if given) that is not.
template <class T>
void refuse_overflow(std::string_view command, double loss, const Module<T>* net,
                     std::string_view where);
template <class T>
void refuse_overflow(std::string_view command, double loss, const Module<T>& net,
                     std::string_view where) {
  refuse_overflow(command, loss, &net, where);
}

// gradcheck's refusal of a loss or gradient that is not finite at the weights given (every
// element would fail and an innocent op be blamed). Returns the seconds one evaluation of the
// loss took, for the estimate.
double check_finite_at_start(Module<double>& net, const std::function<Var<double>()>& loss);

// Before a long check, on stderr: the elements to check (at most max_elements per parameter, 0:
// all), the evaluations of the loss and about how long they take - when stderr is a terminal or
// the check will take more than 10 s. On a terminal, returns a callback that keeps a progress
// line (GradcheckOptions::progress); otherwise none.
std::function<void(std::size_t, std::size_t)> announce_gradcheck(const Module<double>& net,
                                                                 std::size_t max_elements,
                                                                 double seconds_per_loss);

}  // namespace tapegrad::tools
