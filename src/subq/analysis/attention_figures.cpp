#include "subq/analysis/attention_figures.h"

#include <fmt/format.h>

#include <functional>

namespace subq::analysis {

report::LinePlot histogram_curves(const AttentionStatistics::Layer& layer, bool row_max, report::FigureSize size) {
  report::LinePlot plot;
  plot.title = fmt::format("{}: {}", layer.name, row_max ? "largest weight of each row" : "all attention weights");
  plot.x_label = row_max ? "row maximum" : "attention weight";
  plot.y_label = "fraction";
  plot.log_y = true;
  plot.x_min = 0, plot.x_max = 1;
  plot.size = size;
  for (size_t h = 0; h < layer.heads.size(); ++h) {
    const auto& counts = row_max ? layer.heads[h].row_max_histogram() : layer.heads[h].weight_histogram();
    double total = 0;
    for (auto c : counts) total += c;
    report::Series s;
    s.label = fmt::format("head {}", h);
    s.markers = true;
    for (size_t b = 0; b < counts.size(); ++b) {
      if (counts[b] == 0 || total == 0) continue;  // log axis: empty bins are left out
      s.x.push_back((b + 0.5) / counts.size());
      s.y.push_back(counts[b] / total);
    }
    plot.series.push_back(std::move(s));
  }
  return plot;
}

report::HeatMap layer_head_map(const std::string& title, const std::vector<std::string>& layer_names,
                               size_t heads, const std::function<double(size_t, size_t)>& value,
                               report::FigureSize size) {
  report::HeatMap map;
  map.title = title;
  map.x_label = "head";
  map.y_label = "layer";
  map.v_min = 0, map.v_max = 1;
  map.annotate = true;
  map.size = size;
  map.row_labels = layer_names;
  for (size_t h = 0; h < heads; ++h) map.column_labels.push_back(std::to_string(h));
  for (size_t l = 0; l < layer_names.size(); ++l) {
    map.values.emplace_back();
    for (size_t h = 0; h < heads; ++h) map.values.back().push_back(value(l, h));
  }
  return map;
}

std::vector<std::vector<double>> matrix_rows(const torch::Tensor& m) {
  const auto d = m.to(torch::kDouble).contiguous();
  const double* p = d.data_ptr<double>();
  const int64_t columns = d.size(1);
  std::vector<std::vector<double>> rows;
  for (int64_t i = 0; i < d.size(0); ++i) rows.emplace_back(p + i * columns, p + (i + 1) * columns);
  return rows;
}

namespace {

std::string jet_stem(const ShownJet& jet) { return fmt::format("jet{}", jet.id); }

void add_overview(const JetAttentionAnalysis& analysis, const AttentionFigureOptions& options,
                  std::vector<AttentionFigure>& out) {
  const auto& all = analysis.groups.at(0);
  const auto& layers = all.attention.layers();
  std::vector<std::string> names;
  size_t heads = 0;
  for (const auto& l : layers) names.push_back(l.name), heads = std::max(heads, l.heads.size());
  for (double t : {0.5, 0.9})
    out.push_back({fmt::format("binary_rows_{:g}", t), "Binary attention",
                   fmt::format("Fraction of attention rows whose largest weight exceeds {:g}, all jets.", t),
                   layer_head_map(fmt::format("rows with max weight > {:g}", t), names, heads,
                                  [&](size_t l, size_t h) {
                                    return h < layers[l].heads.size() ? layers[l].heads[h].fraction_rows_max_above(t) : 0.0;
                                  }, options.overview_size)});
  for (const auto& l : layers) {
    out.push_back({"weights_" + l.name, "Weight distributions",
                   "Distribution of all attention weights between real particles (log scale).",
                   histogram_curves(l, false, options.overview_size)});
    out.push_back({"row_max_" + l.name, "Weight distributions",
                   "Distribution of each attention row's largest weight.", histogram_curves(l, true, options.overview_size)});
  }
  for (const auto& s : all.subjets) {
    std::vector<std::string> particle_names;
    for (size_t l = 0; l < s.layers(); ++l) particle_names.push_back(fmt::format("particle.{}", l));
    out.push_back({fmt::format("subjets_{}", s.n_subjets()), "Subjets",
                   fmt::format("Mean share of each row's attention that stays inside the query's own "
                               "subjet ({} exclusive-kT subjets); compare with the uniform reference in the table.",
                               s.n_subjets()),
                   layer_head_map(fmt::format("attention within subjet ({} subjets)", s.n_subjets()),
                                  particle_names, s.heads(), [&](size_t l, size_t h) { return s.within(l, h); },
                                  options.overview_size)});
  }
}

// Jets in the plane of the first two principal components, one colour per class.
void add_pca(const JetAttentionAnalysis& analysis, const AttentionFigureOptions& options,
             std::vector<AttentionFigure>& out) {
  const auto labels = analysis.labels.to(torch::kInt64).contiguous();
  for (size_t l = 0; l < analysis.pca.size(); ++l)
    for (size_t h = 0; h < analysis.pca[l].size(); ++h) {
      const auto& pca = analysis.pca[l][h];
      if (pca.coordinates.size(1) < 2) continue;
      const auto xy = pca.coordinates.narrow(1, 0, 2).contiguous();
      const double* p = xy.data_ptr<double>();
      const int64_t* label = labels.data_ptr<int64_t>();
      report::LinePlot plot;
      plot.title = fmt::format("particle.{} head {}: PCA of attention maps", l, h);
      plot.x_label = fmt::format("PC1 ({:.0f}% of variance)", 100 * pca.explained_variance_ratio[0]);
      plot.y_label = fmt::format("PC2 ({:.0f}%)", 100 * pca.explained_variance_ratio[1]);
      plot.size = options.jet_size;
      for (size_t c = 0; c < analysis.class_names.size(); ++c) {
        report::Series s;
        s.label = analysis.class_names[c];
        s.line = false;
        s.markers = true;
        for (int64_t i = 0; i < xy.size(0); ++i)
          if (label[i] == static_cast<int64_t>(c)) s.x.push_back(p[2 * i]), s.y.push_back(p[2 * i + 1]);
        if (!s.x.empty()) plot.series.push_back(std::move(s));
      }
      out.push_back({fmt::format("pca_particle.{}_head{}", l, h), "PCA of attention matrices",
                     "Each point is one jet's attention map (leading particles by pT), projected on the "
                     "first two principal components over all jets.",
                     std::move(plot)});
    }
}

void add_jet(const ShownJet& jet, const AttentionFigureOptions& options, std::vector<AttentionFigure>& out) {
  const auto section = fmt::format("Jet {} ({}, {} particles)", jet.id, jet.class_name, jet.attention.particles());
  const auto& weights = jet.attention.particle_weights;
  for (size_t l = 0; l < weights.size(); ++l)
    for (int64_t h = 0; h < weights[l].size(0); ++h) {
      report::HeatMap map;
      map.title = fmt::format("jet {} particle.{} head {}", jet.id, l, h);
      map.x_label = "key particle (pT order)";
      map.y_label = "query particle";
      map.v_min = 0, map.v_max = 1;
      map.size = options.jet_size;
      map.values = matrix_rows(weights[l][h]);
      out.push_back({fmt::format("{}_particle.{}_head{}_map", jet_stem(jet), l, h), section,
                     "Attention matrix (rows = queries).", std::move(map)});
      out.push_back({fmt::format("{}_particle.{}_head{}_graph", jet_stem(jet), l, h), section,
                     fmt::format("Eta-phi attention graph; edges with weight >= {:g}; colours = 3 kT subjets, "
                                 "crosses = subjet axes.", options.min_edge_weight),
                     attention_graph(jet, l, h, options)});
    }
  for (size_t l = 0; l < jet.attention.class_weights.size(); ++l) {
    report::HeatMap map;
    map.title = fmt::format("jet {} class.{}: class token -> [cls, particles]", jet.id, l);
    map.x_label = "key (0 = class token, then particles by pT)";
    map.y_label = "head";
    map.v_min = 0, map.v_max = 1;
    map.size = {options.jet_size.width, options.jet_size.height / 2};
    map.values = matrix_rows(jet.attention.class_weights[l].squeeze(1));
    out.push_back({fmt::format("{}_class.{}_map", jet_stem(jet), l), section,
                   "Class-token attention per head.", std::move(map)});
  }
}

}  // namespace

report::GraphDrawing attention_graph(const ShownJet& jet, size_t layer, int64_t head,
                                     const AttentionFigureOptions& options) {
  report::GraphDrawing g;
  g.title = fmt::format("jet {} particle.{} head {}", jet.id, layer, head);
  g.x_label = "delta eta";
  g.y_label = "delta phi";
  g.size = options.jet_size;
  const data::Subjets* colouring = nullptr;
  for (const auto& s : jet.subjets)
    if (!colouring || s.subjets.size() > colouring->subjets.size()) colouring = &s;
  const auto slots = jet.attention.slots.accessor<int64_t, 1>();
  const int outside = colouring ? static_cast<int>(colouring->subjets.size()) : 0;  // beam-merged particles
  bool any_outside = false;
  for (size_t i = 0; i < jet.pt.size(); ++i) {
    int subjet = colouring ? colouring->particle_subjet.at(slots[i]) : 0;
    if (subjet < 0) subjet = outside, any_outside = true;
    g.nodes.push_back({jet.delta_eta[i], jet.delta_phi[i], jet.pt[i], subjet});
  }
  if (colouring)
    for (size_t s = 0; s < colouring->subjets.size(); ++s) {
      const auto& axis = colouring->subjets[s];
      g.category_names.push_back(fmt::format("subjet {}", s + 1));
      g.markers.push_back({axis.eta() - jet.axis.eta(), jet.axis.delta_phi_to(axis), fmt::format("sj{}", s + 1)});
    }
  if (any_outside) g.category_names.push_back("no subjet");
  const auto w = jet.attention.particle_weights.at(layer)[head].to(torch::kDouble).contiguous();
  const double* p = w.data_ptr<double>();
  const int64_t n = w.size(0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j && p[i * n + j] >= options.min_edge_weight)
        g.edges.push_back({static_cast<int>(i), static_cast<int>(j), p[i * n + j]});
  return g;
}

std::vector<AttentionFigure> attention_figures(const JetAttentionAnalysis& analysis,
                                               const AttentionFigureOptions& options) {
  std::vector<AttentionFigure> out;
  add_overview(analysis, options, out);
  add_pca(analysis, options, out);
  for (const auto& jet : analysis.shown) add_jet(jet, options, out);
  return out;
}

}  // namespace subq::analysis
