#version 450
// x (N,C,H,W) -> columns (images, C*KH*KW, P*Q) for images first_image, ... of the batch (see
// include/conv_layout.glsl), so a convolution's forward pass and weight gradient are GEMMs:
// y_n (K,P*Q) = W (K,C*KH*KW) columns_n, dW += dY_n columns_n^T (with the row of ones, when asked for,
// that makes the bias gradient the product's last column). Threads adjacent in x write adjacent columns
// (output positions) of one row.
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"
#include "include/conv_layout.glsl"

layout(std430, binding = 0) readonly buffer Input { float x[]; };
layout(std430, binding = 1) buffer Columns { float columns[]; };

void main()
{
    uint plane = out_height * out_width;
    uint kernel_rows = channels * kernel_height * kernel_width;
    uint rows = kernel_rows + ones_row;
    uint count = images * rows * plane;
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        uint position = i % plane;
        uint row = (i / plane) % rows;
        uint image = first_image + i / (plane * rows);
        if (row == kernel_rows)
        {
            columns[i] = 1.0;
            continue;
        }
        uint s = row % kernel_width;
        uint r = (row / kernel_width) % kernel_height;
        uint c = row / (kernel_width * kernel_height);
        int h = int((position / out_width) * stride + r) - int(padding);
        int w = int((position % out_width) * stride + s) - int(padding);
        bool inside = h >= 0 && h < int(height) && w >= 0 && w < int(width);
        columns[i] = inside ? x[((image * channels + c) * height + uint(h)) * width + uint(w)] : 0.0;
    }
}
