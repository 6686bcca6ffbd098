// A data set in a CSV file, as the `tapegrad grad/gradcheck/train` commands read it: a header
// row naming the columns, then one row per example. The first `inputs` columns are the example's
// x, the last `outputs` its target y:
//
//   x1,x2,y
//   0,0,0
//   0,1,1
//
// Fields are decimal numbers (spaces around them allowed, no quotes); line ends may be \n or
// \r\n, and a UTF-8 byte order mark may open the file. Every error names the file, the line
// (the header is line 1), the column (its 1-based index and header name) and the reason; a file
// in UTF-16, with CR-only line ends or holding NUL bytes is named as such.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../../graph/tensor.hpp"
#include "../data.hpp"

namespace tapegrad {

struct Dataset {
  std::string file;                  // the name errors are labelled with
  std::vector<std::string> columns;  // the header's names, inputs first
  std::size_t rows = 0;
  std::size_t inputs = 0;
  std::size_t outputs = 0;
  // Parsed in double, which the gradient checker works in.
  Tensor<double> x;  // [rows, inputs]
  Tensor<double> y;  // [rows, outputs]

  // x or y in the model's type. For float, throws Error naming the line and column of a value
  // too large for a float (it would become infinite); smaller ones are rounded.
  template <class T>
  Tensor<T> x_as() const;
  template <class T>
  Tensor<T> y_as() const;
};

// Parses CSV text; `file_name` only labels the errors. inputs and outputs must be ≥ 1, and the
// header must have exactly inputs + outputs columns. Throws Error.
Dataset parse_csv_dataset(std::string_view text, std::string_view file_name, std::size_t inputs,
                          std::size_t outputs);
// Reads and parses the file at `path` line by line, so that a pipe works like a file, within the
// limits of models/io/limits.hpp (a line, the whole file); an unreadable file's error names it and
// the OS's reason.
Dataset read_csv_dataset(const std::string& path, std::size_t inputs, std::size_t outputs);

// The data set as examples for a DataLoader (models/data.hpp): x_as<T>() as the inputs, y_as<T>()
// as the targets, so row r of the file is example r. Throws as x_as and y_as do.
template <class T>
TensorDataset<T> to_tensor_dataset(const Dataset& data);

extern template TensorDataset<float> to_tensor_dataset(const Dataset&);
extern template TensorDataset<double> to_tensor_dataset(const Dataset&);
extern template Tensor<float> Dataset::x_as<float>() const;
extern template Tensor<double> Dataset::x_as<double>() const;
extern template Tensor<float> Dataset::y_as<float>() const;
extern template Tensor<double> Dataset::y_as<double>() const;

}  // namespace tapegrad
