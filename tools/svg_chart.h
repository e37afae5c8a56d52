// Small bar charts as inline SVG, for reports that must open offline and print: no script, no
// external font or style; every chart carries its title and a <title> per bar for tooltips.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aw::tools {

struct ChartSeries {
  std::string name;
  std::string color;           // CSS color
  std::vector<double> values;  // one per label
};

struct ChartSpec {
  std::string title;
  std::vector<std::string> labels;  // categories (bars or columns)
  std::vector<ChartSeries> series;  // stacked in this order
  bool horizontal = false;          // bars left to right, one row per label
  std::string unit;                 // appended to values in tooltips ("%", " events")
  int width = 760;
  int height = 260;  // columns only; bar charts grow with their rows
};

std::string svg_chart(const ChartSpec& spec);

// Text escaped for HTML and SVG content and attributes.
std::string html_escape(std::string_view text);

}  // namespace aw::tools
