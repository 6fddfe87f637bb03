// Cheaper particle attention on a trained ParT, scored next to the full ParT in the same run:
// top-k (every particle block's softmax replaced by TopKAttentionKernel at inference, no
// retraining) and other saved variants of the same model (e.g. `subq jets linearize` outputs).
// Prints accuracy, AUC, background rejection at 30% / 50% signal efficiency and inference
// jets/s with the speed ratio to full attention.
//
//   build/bench/jets_topk_bench --model runs/attn_top --data ../shared/data/jets/top_2000
//                               [--split test|all] [--folds 1] [--fold 0] [--seed 1]
//                               [--threads 1] [--repeats 3] [--json]
//                               [--topk 1,2,4,8|none] [--variant NAME=DIR]... [--pad-to 0]
//   --cv: the model directory holds fold0..fold{K-1} of `subq jets train --folds K`; every
//         fold's model is scored on its own test part and mean +- std over folds is printed
//         (a --variant DIR then holds fold0..fold{K-1} too).
//   --pad-to N: time fixed-shape batches of 256 jets padded to N particles (ParT's 128 slots)
//         instead of length-sorted batches trimmed to their longest jet.
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "subq/models/part/particle_transformer.h"
#include "subq/models/part/topk_attention.h"
#include "subq/tasks/jets/jet_experiment.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "subq/util/error.h"
#include "subq/util/progress.h"
#include "subq/util/runtime.h"

using namespace subq;

namespace {

struct BenchOptions {
  int repeats = 3;
  int64_t pad_to = 0;
  std::vector<int64_t> topk = {1, 2, 4, 8};
  std::vector<std::pair<std::string, std::string>> variants;  // name, model path
};

// Class probabilities from batches of 256 jets in file order, each padded to `pad_to` particles.
torch::Tensor predict_padded(models::JetTagger& model, const data::PreparedJets& jets, int64_t pad_to) {
  torch::NoGradGuard no_grad;
  model.eval();
  const int64_t n = jets.jets.size();
  auto out = torch::empty({n, jets.jets.num_classes()}, torch::kFloat32);
  for (int64_t start = 0; start < n; start += 256) {
    const auto indices = torch::arange(start, std::min(n, start + 256), torch::kInt64);
    auto batch = data::make_batch(jets, indices);
    const int64_t extra = pad_to - batch.particles();
    SUBQ_CHECK(extra >= 0, "--pad-to {} is below a jet's {} particles", pad_to, batch.particles());
    const auto pad = [extra](const torch::Tensor& t) {  // zeros = padding for all three
      auto shape = t.sizes().vec();
      shape.back() = extra;
      return torch::cat({t, torch::zeros(shape, t.options())}, -1);
    };
    batch.features = pad(batch.features);
    batch.four_vectors = pad(batch.four_vectors);
    batch.mask = pad(batch.mask);
    out.index_copy_(0, indices, torch::softmax(model.forward(batch), 1).to(torch::kFloat32));
  }
  return out;
}

tasks::jets::TimedScore score(models::JetTagger& model, const data::PreparedJets& jets,
                        const std::vector<std::string>& class_names, const BenchOptions& options) {
  tasks::jets::TaggerPredict padded;
  if (options.pad_to > 0)
    padded = [&](models::JetTagger& m, const data::PreparedJets& j) { return predict_padded(m, j, options.pad_to); };
  return tasks::jets::timed_score(model, jets, class_names, options.repeats, padded);
}

// Full attention, the saved variants, then top-k in every particle block, on `jets`; one row
// each with the metrics, jets/s and the speed ratio to full attention. `fold_dir` maps a
// variant's path to this model's (its fold's) checkpoint.
std::vector<nlohmann::json> score_variants(const std::string& model_path, const data::JetDataset& jets,
                                           const BenchOptions& options,
                                           const std::function<std::string(const std::string&)>& fold_dir) {
  const auto loaded = tasks::jets::load_jet_tagger(fold_dir(model_path));
  auto model = std::dynamic_pointer_cast<models::part::ParticleTransformer>(loaded.model);
  SUBQ_CHECK(model, "{}: not a ParT checkpoint", model_path);
  const auto prepared = data::prepare_jets(jets, model->input_spec());
  std::vector<nlohmann::json> rows;
  const auto baseline = score(*model, prepared, loaded.class_names, options);
  auto record = [&](const std::string& name, const tasks::jets::TimedScore& s) {
    auto row = s.metrics;
    row["attention"] = name;
    row["jets_per_second"] = s.jets_per_second;
    row["speed_vs_full"] = s.jets_per_second / baseline.jets_per_second;
    rows.push_back(row);
  };
  record("full", baseline);
  for (const auto& [name, path] : options.variants) {
    const auto variant = tasks::jets::load_jet_tagger(fold_dir(path));
    record(name, score(*variant.model, prepared, variant.class_names, options));
  }
  for (int64_t k : options.topk) {
    for (int64_t l = 0; l < model->num_particle_blocks(); ++l)
      model->set_attention_kernel(l, std::make_shared<models::part::TopKAttentionKernel>(k));
    record(fmt::format("top{}", k), score(*model, prepared, loaded.class_names, options));
  }
  return rows;
}

// "1,2,4,8" -> {1, 2, 4, 8}; "none" -> {}.
std::vector<int64_t> parse_list(const std::string& text) {
  std::vector<int64_t> values;
  if (text == "none") return values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) values.push_back(std::stoll(item));
  return values;
}

// "NAME=DIR" -> {NAME, DIR}.
std::pair<std::string, std::string> parse_variant(const std::string& text) {
  const auto eq = text.find('=');
  SUBQ_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < text.size(), "--variant wants NAME=DIR, got '{}'", text);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

std::string cell(const nlohmann::json& row, const char* key, int digits) {
  if (!row.contains(key)) return "-";
  const auto& v = row[key];
  if (v.is_object())
    return fmt::format("{:.{}f}+-{:.{}f}", v["mean"].get<double>(), digits, v["std"].get<double>(), digits);
  return v.is_number() ? fmt::format("{:.{}f}", v.get<double>(), digits) : "inf";
}

}  // namespace

int main(int argc, char** argv) {
  use_passive_openmp_wait(argv);
  try {
    std::string model_path, data_path, split = "test";
    int64_t folds = 1, fold = 0;
    uint64_t seed = 1;
    int threads = 1;
    BenchOptions options;
    bool json = false, cv = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        SUBQ_CHECK(i + 1 < argc, "{} needs a value", a);
        return argv[++i];
      };
      if (a == "--model") model_path = next();
      else if (a == "--data") data_path = next();
      else if (a == "--split") split = next();
      else if (a == "--folds") folds = std::stoll(next());
      else if (a == "--fold") fold = std::stoll(next());
      else if (a == "--seed") seed = std::stoull(next());
      else if (a == "--threads") threads = std::stoi(next());
      else if (a == "--repeats") options.repeats = std::stoi(next());
      else if (a == "--pad-to") options.pad_to = std::stoll(next());
      else if (a == "--topk") options.topk = parse_list(next());
      else if (a == "--variant") options.variants.push_back(parse_variant(next()));
      else if (a == "--cv") cv = true;
      else if (a == "--json") json = true;
      else fail("unknown option '{}'", a);
    }
    SUBQ_CHECK(!model_path.empty() && !data_path.empty(), "usage: jets_topk_bench --model DIR --data PATH");
    SUBQ_CHECK(!cv || (folds > 1 && split == "test"), "--cv needs --folds K > 1 and the test split");
    configure_threads(threads);
    Progress::set_quiet(true);
    const auto all = data::load_jets(data_path);
    const double val_fraction = tasks::jets::JetTrainOptions{}.val_fraction;
    // Per variant, one row per evaluated model (one, or one per fold with --cv).
    std::map<std::string, std::vector<nlohmann::json>> by_variant;
    std::vector<std::string> order;
    int64_t jets = 0;
    for (int64_t f = cv ? 0 : fold; f < (cv ? folds : fold + 1); ++f) {
      const auto part = split == "test" ? all.subset(tasks::jets::make_fold_split(all.size(), folds, f, val_fraction, seed).test) : all;
      jets += part.size();
      const auto fold_dir = [&](const std::string& dir) {
        return cv ? (std::filesystem::path(dir) / fmt::format("fold{}", f)).string() : dir;
      };
      for (auto& row : score_variants(model_path, part, options, fold_dir)) {
        const auto name = row["attention"].get<std::string>();
        if (!by_variant.count(name)) order.push_back(name);
        by_variant[name].push_back(row);
      }
    }
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& name : order) {
      auto row = cv ? tasks::jets::summarize_runs(by_variant[name]) : by_variant[name][0];
      row["attention"] = name;
      rows.push_back(row);
    }
    if (json) {
      std::cout << nlohmann::json{{"model", model_path}, {"data", data_path}, {"split", split}, {"folds", cv ? folds : 1},
                                  {"jets", jets}, {"threads", threads}, {"pad_to", options.pad_to}, {"rows", rows}}.dump(2) << "\n";
      return 0;
    }
    fmt::print("{} {} jets ({} split{}), {} thread(s), best of {} passes, {}\n", data_path, jets, split,
               cv ? fmt::format(", {} folds, mean+-std", folds) : "", threads, options.repeats,
               options.pad_to > 0 ? fmt::format("batches of 256 padded to {} particles", options.pad_to)
                                  : std::string("length-sorted batches of 256, trimmed"));
    fmt::print("{:<10} {:>16} {:>16} {:>16} {:>16} {:>14} {:>12}\n", "attention", "accuracy", "AUC", "1/eB@30%",
               "1/eB@50%", "jets/s", "x full");
    for (const auto& r : rows)
      fmt::print("{:<10} {:>16} {:>16} {:>16} {:>16} {:>14} {:>12}\n", r["attention"].get<std::string>(),
                 cell(r, "accuracy", 3), cell(r, r.contains("auc") ? "auc" : "macro_auc", 4),
                 cell(r, "rejection_at_30", 1), cell(r, "rejection_at_50", 1), cell(r, "jets_per_second", 0),
                 cell(r, "speed_vs_full", 2));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "jets_topk_bench: {}\n", e.what());
    return 1;
  }
}
