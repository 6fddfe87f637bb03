// The attention report end to end: a tiny randomly initialised ParT on a few real top-tagging
// jets, through the library and through `subq jets attention`.
#include <regex>

#include <nlohmann/json.hpp>

#include "subq/analysis/attention_report.h"
#include "subq/tasks/jets/jet_trainer.h"
#include "subq/util/atomic_file.h"
#include "subq/util/error.h"
#include "support/test_support.h"
#include "support/tiny_part_config.h"

namespace subq::analysis {
namespace {

// `n` jets alternating between the classes (the file starts with a long run of one class).
data::JetDataset few_jets(const std::filesystem::path& path, int64_t n) {
  const auto all = data::load_jets(path);
  return all.subset(torch::tensor(choose_shown_jets(all.labels, all.num_classes(), n), torch::kInt64));
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(AttentionReport, ChoosesShownJetsAcrossClasses) {
  const auto labels = torch::tensor({1, 1, 0, 1, 0}, torch::kInt64);
  EXPECT_EQ(choose_shown_jets(labels, 2, 3), (std::vector<int64_t>{2, 0, 4}));
  EXPECT_EQ(choose_shown_jets(labels, 2, 10), (std::vector<int64_t>{2, 0, 4, 1, 3}));
  EXPECT_TRUE(choose_shown_jets(labels, 2, 0).empty());
}

TEST(AttentionReport, BuildsFromATinyModel) {
  SUBQ_REQUIRE_SHARED(path, "data/jets/top_2000");
  const auto jets = few_jets(path, 10);
  torch::manual_seed(3);
  models::part::ParticleTransformer model(test::tiny_part_config());
  JetAttentionOptions options;
  options.batch_size = 4;  // several batches with different trimmed lengths
  options.show = 2;
  options.show_progress = false;
  const auto analysis = analyse_jet_attention(model, jets, options);

  // Group invariants: every real particle is one row per particle layer, classes add up.
  ASSERT_EQ(analysis.groups.size(), 3u);  // all, QCD, top
  const int64_t particles = jets.mask.sum().item<int64_t>();
  const auto& all = analysis.groups[0].attention;
  EXPECT_EQ(all.jets(), 10);
  ASSERT_EQ(all.layers().size(), 3u);
  EXPECT_EQ(all.layers()[0].heads[1].rows(), particles);
  EXPECT_EQ(all.layers()[2].heads[0].rows(), 10);  // class token: one row per jet
  EXPECT_EQ(analysis.groups[1].attention.jets(), 5);
  EXPECT_EQ(analysis.groups[2].attention.jets(), 5);
  ASSERT_EQ(analysis.groups[1].attention.layers().size(), 3u);
  ASSERT_EQ(analysis.groups[2].attention.layers().size(), 3u);
  EXPECT_EQ(analysis.groups[1].attention.layers()[1].heads[0].rows() +
                analysis.groups[2].attention.layers()[1].heads[0].rows(),
            particles);
  ASSERT_EQ(analysis.shown.size(), 2u);
  EXPECT_NE(analysis.shown[0].class_name, analysis.shown[1].class_name);
  for (const auto& s : analysis.groups[0].subjets)
    for (size_t h = 0; h < s.heads(); ++h) {
      EXPECT_GT(s.within(0, h), 0.0);
      EXPECT_LE(s.within(0, h), 1.0 + 1e-9);
    }

  test::TempDir out;
  const auto files = write_attention_report(analysis, out.path());
  const auto html = read_file(files.html);
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,"), static_cast<size_t>(files.figure_count));
  // 2 binary maps + 2 x 3 layer histograms + 2 subjet maps + 2 x 2 PCA scatters
  // + per jet (2 layers x 2 heads x 2 + 1).
  EXPECT_EQ(files.figure_count, 2 + 6 + 2 + 4 + 2 * 9);
  ASSERT_EQ(analysis.pca.size(), 2u);
  EXPECT_EQ(analysis.pca[1][1].coordinates.size(0), 10);
  EXPECT_EQ(count(html, "<img"), static_cast<size_t>(files.figure_count));
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // nothing fetched from outside
  for (const auto& entry : std::filesystem::directory_iterator(files.figures)) {
    const auto ext = entry.path().extension();
    EXPECT_TRUE(ext == ".png" || ext == ".svg") << entry.path();  // no temporary leftovers
  }
  const auto json = nlohmann::json::parse(read_file(files.json));
  EXPECT_EQ(json["groups"][0]["attention"]["jets"], 10);
  EXPECT_EQ(json["groups"][0]["attention"]["layers"][0]["heads"][0]["weight_histogram"].size(), 50u);
  EXPECT_EQ(json["shown_jets"].size(), 2u);
  EXPECT_EQ(json["pca"].size(), 4u);
}

// Loads the report in headless Chromium (skips without it): no console errors, every embedded
// image decodes (a probe script appended to a copy of the page logs how many did not), and a
// screenshot lands in the test's working directory as an artefact.
TEST(AttentionReport, LoadsInHeadlessChromium) {
  SUBQ_REQUIRE_SHARED(path, "data/jets/top_2000");
  if (test::run_command("command -v chromium >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "chromium not installed (scripts/install_deps.sh installs it)";
  torch::manual_seed(6);
  models::part::ParticleTransformer model(test::tiny_part_config());
  JetAttentionOptions options;
  options.show = 1;
  options.show_progress = false;
  test::TempDir out;
  const auto files = write_attention_report(analyse_jet_attention(model, few_jets(path, 4), options), out.path());
  auto html = read_file(files.html);
  const std::string probe =
      "<script>window.addEventListener('load', () => { const broken = [...document.images].filter("
      "i => !i.complete || i.naturalWidth === 0).length; console.log('images ' + document.images.length + "
      "' broken ' + broken); });</script>\n</body>";
  html.replace(html.rfind("</body>"), 7, probe);
  write_text_atomically(out / "probe.html", html);
  const auto screenshot = std::filesystem::current_path() / "attention_report_screenshot.png";
  std::string log;
  const auto chromium = [&](const std::string& page, const std::string& extra) {
    return test::run_command("timeout 120 chromium --headless --disable-gpu --no-sandbox --enable-logging=stderr "
                             "--v=0 --virtual-time-budget=5000 " + extra + " file://" + page + " 2>&1", &log);
  };
  ASSERT_EQ(chromium(files.html.string(), "--window-size=1400,2000 --screenshot=" + screenshot.string()), 0) << log;
  EXPECT_EQ(log.find("CONSOLE"), std::string::npos) << log;  // the report itself logs nothing
  EXPECT_GT(std::filesystem::file_size(screenshot), 10000u);
  ASSERT_EQ(chromium((out / "probe.html").string(), "--dump-dom"), 0) << log;
  EXPECT_NE(log.find(fmt::format("images {} broken 0", files.figure_count)), std::string::npos) << log;
}

TEST(AttentionReport, CommandWritesReportAndJsonSummary) {
  SUBQ_REQUIRE_SHARED(path, "data/jets/top_2000");
  test::TempDir dir;
  torch::manual_seed(4);
  models::part::ParticleTransformer model(test::tiny_part_config());
  tasks::jets::save_jet_tagger(model, {"QCD", "top"}, dir / "model.safetensors");
  std::string output;
  // Braces: run_command appends 2>&1, which must not send stderr into the JSON file.
  const std::string command = "{ " + test::subq_binary() + " jets attention --model " + dir.path().string() +
                              " --data " + path.string() + " --out " + (dir / "report").string() +
                              " --split test --jets 6 --show 1 --threads 1 --json > " + (dir / "summary.json").string() + "; }";
  ASSERT_EQ(test::run_command(command, &output), 0) << output;
  const auto summary = nlohmann::json::parse(read_file(dir / "summary.json"));  // stdout only
  EXPECT_EQ(summary["groups"][0]["jets"], 6);
  const auto& head = summary["groups"][0]["layers"][0]["heads"][0];
  for (const char* key : {"0.5", "0.8", "0.9"}) {
    EXPECT_GE(head["fraction_rows_max_above"][key].get<double>(), 0.0);
    EXPECT_LE(head["fraction_rows_max_above"][key].get<double>(), 1.0);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "report.html"));
  size_t png = 0, svg = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "report" / "figures"))
    (entry.path().extension() == ".png" ? png : svg) += 1;
  EXPECT_EQ(png, svg);
  EXPECT_EQ(png, 2u + 6u + 2u + 4u + 9u);  // one shown jet
  // Shown jets are named by their index in the file, not in the test part.
  const auto report = nlohmann::json::parse(read_file(dir / "report" / "attention.json"));
  const auto& shown = report["shown_jets"][0];
  const auto test_part = tasks::jets::make_fold_split(2000, 1, 0, 0.1, 1).test;
  EXPECT_EQ(shown["file_index"].get<int64_t>(), test_part[shown["index"].get<int64_t>()].item<int64_t>());
  EXPECT_TRUE(std::filesystem::exists(
      dir / "report" / "figures" / fmt::format("jet{}_class.0_map.png", shown["file_index"].get<int64_t>())));

  // Bad input: a missing data path fails with a message naming it, and leaves no report.
  const std::string missing = test::subq_binary() + " jets attention --model " + dir.path().string() +
                              " --data " + (dir / "nope").string() + " --out " + (dir / "bad").string() + " 2>&1";
  ASSERT_NE(test::run_command(missing, &output), 0);
  EXPECT_NE(output.find("nope"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad" / "report.html"));
}

}  // namespace
}  // namespace subq::analysis
