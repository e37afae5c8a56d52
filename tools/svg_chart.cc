#include "tools/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aw::tools {
namespace {

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string value_text(double v) {
  char buffer[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", v);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f", v);
  }
  return buffer;
}

// The smallest 1, 2 or 5 times a power of ten at or above v (axis maximum).
double nice_ceiling(double v) {
  if (v <= 0) return 1;
  double power = std::pow(10.0, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= v) return step * power;
  }
  return 10 * power;
}

double total_at(const ChartSpec& spec, size_t i) {
  double sum = 0;
  for (const auto& s : spec.series) sum += i < s.values.size() ? std::max(0.0, s.values[i]) : 0;
  return sum;
}

void legend(const ChartSpec& spec, int y, std::string& out) {
  double x = 8;
  for (const auto& s : spec.series) {
    out += "<rect x=\"" + num(x) + "\" y=\"" + std::to_string(y - 9) +
           "\" width=\"10\" height=\"10\" fill=\"" + html_escape(s.color) + "\"/>";
    out += "<text x=\"" + num(x + 14) + "\" y=\"" + std::to_string(y) + "\">" +
           html_escape(s.name) + "</text>";
    x += 24 + 7.0 * static_cast<double>(s.name.size());
  }
}

std::string columns(const ChartSpec& spec) {
  const int left = 56, right = 12, top = 44, bottom = 40;
  const int w = spec.width, h = spec.height;
  const double plot_w = w - left - right, plot_h = h - top - bottom;
  double peak = 0;
  for (size_t i = 0; i < spec.labels.size(); ++i) peak = std::max(peak, total_at(spec, i));
  const double axis = nice_ceiling(peak);
  std::string out;
  for (int g = 0; g <= 4; ++g) {
    double y = top + plot_h - plot_h * g / 4;
    out += "<line class=\"grid\" x1=\"" + std::to_string(left) + "\" x2=\"" +
           std::to_string(w - right) + "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\"/>";
    out += "<text class=\"axis\" x=\"" + std::to_string(left - 6) + "\" y=\"" + num(y + 4) +
           "\" text-anchor=\"end\">" + value_text(axis * g / 4) + "</text>";
  }
  const size_t n = spec.labels.size();
  const double slot = n ? plot_w / static_cast<double>(n) : plot_w;
  const double bar = std::max(1.0, slot * 0.8);
  // Label every k-th column so labels never overlap (about 70 px per label).
  const size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil(70.0 / slot)));
  for (size_t i = 0; i < n; ++i) {
    double x = left + slot * static_cast<double>(i) + (slot - bar) / 2;
    double base = top + plot_h;
    for (const auto& s : spec.series) {
      double v = i < s.values.size() ? std::max(0.0, s.values[i]) : 0;
      if (v <= 0) continue;
      double bh = plot_h * v / axis;
      base -= bh;
      out += "<rect class=\"bar\" x=\"" + num(x) + "\" y=\"" + num(base) + "\" width=\"" +
             num(bar) + "\" height=\"" + num(bh) + "\" fill=\"" + html_escape(s.color) +
             "\"><title>" + html_escape(spec.labels[i]) + " " + html_escape(s.name) + ": " +
             value_text(v) + html_escape(spec.unit) + "</title></rect>";
    }
    if (i % every == 0) {
      out += "<text class=\"axis\" x=\"" + num(x + bar / 2) + "\" y=\"" +
             std::to_string(h - bottom + 16) + "\" text-anchor=\"middle\">" +
             html_escape(spec.labels[i]) + "</text>";
    }
  }
  return out;
}

std::string bars(const ChartSpec& spec, int* height) {
  const int top = 44, row = 22, label_w = 230, right = 70;
  const int w = spec.width;
  const double plot_w = w - label_w - right;
  double peak = 0;
  for (size_t i = 0; i < spec.labels.size(); ++i) peak = std::max(peak, total_at(spec, i));
  const double axis = peak > 0 ? peak : 1;
  std::string out;
  for (size_t i = 0; i < spec.labels.size(); ++i) {
    const double y = top + row * static_cast<double>(i);
    std::string label = spec.labels[i];
    if (label.size() > 34) label = label.substr(0, 31) + "...";
    out += "<text class=\"axis\" x=\"" + std::to_string(label_w - 6) + "\" y=\"" + num(y + 14) +
           "\" text-anchor=\"end\">" + html_escape(label) + "</text>";
    double x = label_w;
    for (const auto& s : spec.series) {
      double v = i < s.values.size() ? std::max(0.0, s.values[i]) : 0;
      if (v <= 0) continue;
      double bw = plot_w * v / axis;
      out += "<rect class=\"bar\" x=\"" + num(x) + "\" y=\"" + num(y + 3) + "\" width=\"" +
             num(std::max(bw, 1.0)) + "\" height=\"" + std::to_string(row - 6) + "\" fill=\"" +
             html_escape(s.color) + "\"><title>" + html_escape(spec.labels[i]) + " " +
             html_escape(s.name) + ": " + value_text(v) + html_escape(spec.unit) +
             "</title></rect>";
      x += bw;
    }
    out += "<text class=\"value\" x=\"" + num(x + 4) + "\" y=\"" + num(y + 14) + "\">" +
           value_text(total_at(spec, i)) + html_escape(spec.unit) + "</text>";
  }
  *height = top + row * static_cast<int>(spec.labels.size()) + 10;
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string svg_chart(const ChartSpec& spec) {
  int height = spec.height;
  std::string body = spec.horizontal ? bars(spec, &height) : columns(spec);
  std::string out = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" " +
                    std::string("aria-label=\"") + html_escape(spec.title) + "\" width=\"" +
                    std::to_string(spec.width) + "\" height=\"" + std::to_string(height) +
                    "\" viewBox=\"0 0 " + std::to_string(spec.width) + " " +
                    std::to_string(height) + "\"><title>" + html_escape(spec.title) + "</title>";
  out += "<text class=\"chart-title\" x=\"8\" y=\"16\">" + html_escape(spec.title) + "</text>";
  if (spec.series.size() > 1) legend(spec, 34, out);
  out += body + "</svg>";
  return out;
}

}  // namespace aw::tools
