// Each `subq <command>` lives in its own file and registers itself here with
// SUBQ_COMMAND(name, description, setup). `setup` adds options to the CLI11 subcommand and
// returns the function to run; main.cpp turns any subq::Error into a message and exit code.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace subq::cli {

using Action = std::function<int()>;
using Setup = std::function<Action(CLI::App&)>;

struct Command {
  std::string name, description;
  Setup setup;
};

std::vector<Command>& registry();

struct Registrar {
  Registrar(std::string name, std::string description, Setup setup) {
    registry().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

// Options every command shares: thread count and device.
struct CommonOptions {
  int threads = 0;
  std::string device = "cpu";
  void add_to(CLI::App& app);
  void apply() const;  // configures LibTorch threads
};

// `--arch NAME` picks the architecture a command builds. `--model NAME`, its old spelling,
// still works: it sets the same value and prints a one-line deprecation notice to stderr.
// (Commands that load a trained model keep `--model` for its path.)
void add_arch_option(CLI::App& app, std::string& arch, const std::string& description);

}  // namespace subq::cli

#define SUBQ_CONCAT_INNER(a, b) a##b
#define SUBQ_CONCAT(a, b) SUBQ_CONCAT_INNER(a, b)
#define SUBQ_COMMAND(name, description, setup) \
  static ::subq::cli::Registrar SUBQ_CONCAT(subq_command_, __LINE__)(name, description, setup)
