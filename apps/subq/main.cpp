// subq: the command-line front of libsubq. Commands are registered by their own files.
#include <cstdio>
#include <iostream>
#include <map>

#include <torch/torch.h>

#include "command.h"
#include "subq/util/error.h"
#include "subq/util/runtime.h"

namespace subq::cli {

std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

void CommonOptions::add_to(CLI::App& app) {
  app.add_option("--threads", threads, "LibTorch threads (default: $SUBQ_THREADS or all cores)");
  app.add_option("--device", device, "cpu, cuda, cuda:N or auto")->capture_default_str();
}

void CommonOptions::apply() const { configure_threads(threads); }

void add_arch_option(CLI::App& app, std::string& arch, const std::string& description) {
  auto* primary = app.add_option("--arch", arch, description)->capture_default_str();
  auto* alias = app.add_option_function<std::string>(
      "--model",
      [&arch, &app](const std::string& value) {
        std::string command = app.get_name();  // "jets train": the subcommand path below `subq`
        for (const CLI::App* p = app.get_parent(); p && p->get_parent(); p = p->get_parent())
          command = p->get_name() + " " + command;
        std::cerr << "subq " << command << ": --model is deprecated here, use --arch " << value << "\n";
        arch = value;
      },
      "deprecated alias of --arch");
  alias->excludes(primary);
}

}  // namespace subq::cli

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  CLI::App app{"subq: subquadratic and small attention models (LoLCATs, jets, Lyra, soft-rank)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "subq 0.1.0");
  std::map<CLI::App*, subq::cli::Action> actions;
  auto& commands = subq::cli::registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    actions[sub] = command.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, action] : actions) {
      if (sub->parsed()) return action();
    }
  } catch (const subq::Error& e) {
    std::fflush(stdout);
    std::cerr << "subq: error: " << e.what() << "\n";
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "subq: error (tensor library): " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "subq: error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
