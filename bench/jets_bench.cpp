// Jet-tagger speed: training and inference jets/s of subq's ParT and PCN at batch 256 with
// 128-particle padding, next to the same models in PyTorch (bench/jets_reference.py, run by
// /usr/bin/python3 in this same process's run), plus subq with padding trimmed per batch.
//
//   build/bench/jets_bench [--data ../shared/data/jets/top_2000] [--threads 2] [--batch 256]
//                          [--iters 2] [--no-python]
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "subq/data/jet_features.h"
#include "subq/kernels/pair_features.h"
#include "subq/data/jet_graph.h"
#include "subq/data/jet_inputs.h"
#include "subq/models/part/particle_transformer.h"
#include "subq/models/pcn/pcn_model.h"
#include "subq/util/runtime.h"
#include "subq/util/timer.h"

using namespace subq;

namespace {

struct Speed {
  double train = 0, infer = 0;
};

// Warm-up once, then time `iters` training steps (AdamW, as the reference) and inference passes.
Speed measure(models::JetTagger& model, const std::function<data::JetBatch()>& make, int iters) {
  torch::optim::AdamW optimizer(model.parameters(), torch::optim::AdamWOptions(1e-3));
  Speed speed;
  model.train();
  int64_t jets = 0;
  Timer timer;
  for (int it = 0; it <= iters; ++it) {
    if (it == 1) timer.reset(), jets = 0;
    const auto batch = make();
    optimizer.zero_grad();
    torch::cross_entropy_loss(model.forward(batch), batch.labels).backward();
    optimizer.step();
    jets += batch.size();
  }
  speed.train = jets / timer.seconds();
  model.eval();
  torch::NoGradGuard no_grad;
  for (int it = 0; it <= iters + 1; ++it) {
    if (it == 1) timer.reset(), jets = 0;
    const auto batch = make();
    model.forward(batch);
    jets += batch.size();
  }
  speed.infer = jets / timer.seconds();
  return speed;
}

// The checkout root: this binary lives in <root>/build/bench/.
std::filesystem::path source_root() {
  return std::filesystem::canonical("/proc/self/exe").parent_path().parent_path().parent_path();
}

nlohmann::json python_reference(const std::string& model, const std::string& data, int batch,
                                int threads, int iters) {
  const std::string command = fmt::format(
      "/usr/bin/python3 {}/bench/jets_reference.py bench --model {} --data {} --batch {} "
      "--threads {} --train-iters {} --infer-iters {} 2>/dev/null",
      source_root().string(), model, data, batch, threads, iters, iters + 1);
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return nullptr;
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  pclose(pipe);
  try {
    return nlohmann::json::parse(out.substr(out.rfind('{')));
  } catch (...) {
    std::cerr << "python reference failed: " << command << "\n" << out << "\n";
    return nullptr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  subq::use_passive_openmp_wait(argv);
  std::string data_dir = (source_root() / "../shared/data/jets/top_2000").string();
  int threads = 2, batch_size = 256, iters = 2;
  bool python = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data") data_dir = argv[++i];
    else if (a == "--threads") threads = std::stoi(argv[++i]);
    else if (a == "--batch") batch_size = std::stoi(argv[++i]);
    else if (a == "--iters") iters = std::stoi(argv[++i]);
    else if (a == "--no-python") python = false;
    else {
      std::fprintf(stderr,
                   "usage: jets_bench [--data DIR] [--threads N] [--batch B] [--iters N] [--no-python]\n");
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  configure_threads(threads);
  torch::manual_seed(0);
  data::JetLoadOptions load;
  load.max_jets = batch_size;
  const auto jets = data::load_jets(data_dir, load);
  const auto all = torch::arange(jets.size());

  models::part::ParticleTransformerConfig part_config;
  models::part::ParticleTransformer part(part_config);
  const auto part_inputs = data::prepare_jets(jets, part.input_spec());
  auto padded_part = [&] {  // every batch keeps all 128 slots, like the reference
    data::JetBatch b;
    b.features = part_inputs.features;
    b.four_vectors = jets.four_vectors;
    b.mask = jets.mask;
    b.labels = jets.labels;
    return b;
  };
  auto trimmed_part = [&] { return data::make_batch(part_inputs, all); };

  models::pcn::PcnConfig pcn_config;
  pcn_config.num_classes = 2;
  models::pcn::ParticleChebyshevNetwork pcn(pcn_config);
  const auto pcn_features = data::pcn_node_features(jets);
  auto padded_pcn = [&] {  // the kNN graph is rebuilt per batch, as in the reference
    data::JetBatch b;
    b.features = pcn_features;
    b.neighbours = data::knn_neighbours(pcn_features, jets.mask, 3);
    b.mask = jets.mask;
    b.labels = jets.labels;
    return b;
  };

  const auto pairs_timer = Timer();
  kernels::pair_features_packed(jets.four_vectors);
  const double pair_seconds = pairs_timer.seconds();

  nlohmann::json rows = nlohmann::json::array();
  auto add = [&](const std::string& name, Speed s, const nlohmann::json& ref) {
    nlohmann::json row = {{"case", name}, {"subq_train_jets_per_s", s.train}, {"subq_infer_jets_per_s", s.infer}};
    if (ref.is_object()) {
      row["torch_train_jets_per_s"] = ref["train_jets_per_s"];
      row["torch_infer_jets_per_s"] = ref["infer_jets_per_s"];
      row["train_speedup"] = s.train / ref["train_jets_per_s"].get<double>();
      row["infer_speedup"] = s.infer / ref["infer_jets_per_s"].get<double>();
    }
    rows.push_back(row);
  };
  const auto part_ref = python ? python_reference("part", data_dir, batch_size, threads, iters) : nullptr;
  add("ParT, 128 padded", measure(part, padded_part, iters), part_ref);
  add("ParT, trimmed to batch max", measure(part, trimmed_part, iters), nullptr);
  const auto pcn_ref = python ? python_reference("pcn", data_dir, batch_size, threads, iters) : nullptr;
  add("PCN (GCNN), 128 padded", measure(pcn, padded_pcn, iters), pcn_ref);

  fmt::print("jets_bench: batch {}, {} threads, top_2000 jets ({} particles max in batch), "
             "pair features for the batch: {:.3f} s\n",
             batch_size, threads, jets.particle_counts().max().item<int64_t>(), pair_seconds);
  fmt::print("{:<30} {:>12} {:>12} {:>12} {:>12} {:>8} {:>8}\n", "case", "subq train", "torch train",
             "subq infer", "torch infer", "x train", "x infer");
  for (const auto& r : rows) {
    auto num = [&](const char* k) { return r.contains(k) ? fmt::format("{:.1f}", r[k].get<double>()) : std::string("-"); };
    auto ratio = [&](const char* k) { return r.contains(k) ? fmt::format("{:.2f}", r[k].get<double>()) : std::string("-"); };
    fmt::print("{:<30} {:>12} {:>12} {:>12} {:>12} {:>8} {:>8}\n", r["case"].get<std::string>(),
               num("subq_train_jets_per_s"), num("torch_train_jets_per_s"), num("subq_infer_jets_per_s"),
               num("torch_infer_jets_per_s"), ratio("train_speedup"), ratio("infer_speedup"));
  }
  std::cout << rows.dump() << "\n";
  return 0;
}
