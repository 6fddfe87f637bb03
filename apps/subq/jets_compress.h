// `subq jets compress`: adds the subcommand to `subq jets` (apps/subq/jets.cpp); returns a
// function that runs it when it was the one parsed (-1 otherwise).
#pragma once
#include <functional>

#include <CLI/CLI.hpp>

namespace subq::cli {

std::function<int()> add_jets_compress(CLI::App& jets);

}  // namespace subq::cli
