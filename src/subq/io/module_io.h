// Saving and loading a torch::nn::Module's parameters and buffers as safetensors, with a
// string metadata map (configs travel as JSON text inside it). Used for every checkpoint.
#pragma once
#include <filesystem>

#include <torch/torch.h>

#include "subq/io/safetensors.h"

namespace subq::io {

// All named parameters and buffers of `module` ("layer.0.weight", ...).
io::TensorMap module_state(const torch::nn::Module& module);

void save_module(const torch::nn::Module& module, const std::filesystem::path& path,
                 const io::StringMap& metadata = {});

// Copies tensors from `path` into `module`. With `strict`, every module tensor must be in the
// file with the same shape and the file must hold nothing else; errors name file and tensor.
// Returns the file's metadata.
io::StringMap load_module(torch::nn::Module& module, const std::filesystem::path& path,
                          bool strict = true);

}  // namespace subq::io
