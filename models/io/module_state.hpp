// A module's state to and from safetensors files, by torch's names: every parameter and buffer
// of the tree under its hierarchical name (Module::state_dict()), so that a torch state_dict()
// written as safetensors loads into the same architecture built with tapegrad, and back.
//
//   io::save(net, "model.safetensors");
//   io::load(net, "model.safetensors");                                   // strict
//   io::LoadResult r = io::load(net, "partial.safetensors", {.strict = false});
#pragma once

#include <string>
#include <vector>

#include "../module.hpp"
#include "safetensors.hpp"

namespace tapegrad::io {

struct LoadOptions {
  // Strict: every entry of the module needs a tensor in the file and every tensor of the file
  // an entry of the module. Not strict: the missing and unexpected ones are returned instead.
  bool strict = true;
};

// What a load left aside, as torch's load_state_dict returns it (both empty after a strict one).
struct LoadResult {
  std::vector<std::string> missing_keys;     // the module's entries the file has no tensor for
  std::vector<std::string> unexpected_keys;  // the file's tensors the module has no entry for
};

// The module's parameters and buffers as tensors in state_dict() order: T tensors in T (F32 or
// F64), integer buffers as I64.
template <class T>
TensorFile state_to_file(const Module<T>& module);

// Assigns each parameter and buffer of `module` the file's tensor of its name. Element types
// are converted as torch's load_state_dict does: F32 and F64 tensors load into float and double
// modules alike, I64 tensors into integer buffers only. A tensor whose shape or kind (integer
// or not) differs from its entry's is an error in both modes, as in torch. Everything is checked
// first: if anything is wrong, one Error names the file and lists every problem (each tensor by
// name, with both shapes), and the module is left unchanged.
template <class T>
LoadResult load_state(Module<T>& module, const TensorFile& file, const LoadOptions& options = {});

// Writes state_to_file(module) to `path` atomically (a failed write keeps the old file).
template <class T>
void save(const Module<T>& module, const std::string& path);
// load_state from the safetensors file at `path`.
template <class T>
LoadResult load(Module<T>& module, const std::string& path, const LoadOptions& options = {});

extern template TensorFile state_to_file(const Module<float>&);
extern template TensorFile state_to_file(const Module<double>&);
extern template LoadResult load_state(Module<float>&, const TensorFile&, const LoadOptions&);
extern template LoadResult load_state(Module<double>&, const TensorFile&, const LoadOptions&);
extern template void save(const Module<float>&, const std::string&);
extern template void save(const Module<double>&, const std::string&);
extern template LoadResult load(Module<float>&, const std::string&, const LoadOptions&);
extern template LoadResult load(Module<double>&, const std::string&, const LoadOptions&);

}  // namespace tapegrad::io
