// Compatibility header: module I/O moved to subq/io/module_io.h (namespace subq::io).
// Kept only because tests/models/llama_model_test.cpp, owned by another change in flight,
// still includes this path and calls train::save_module; remove once it includes the new one.
#pragma once
#include "subq/io/module_io.h"

namespace subq::train {
using io::load_module;
using io::module_state;
using io::save_module;
}  // namespace subq::train
