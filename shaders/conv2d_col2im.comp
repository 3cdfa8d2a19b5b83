#version 450
// The input gradient's last step: columns (images, C*KH*KW, P*Q) hold W^T dY_n for images first_image, ...
// (include/conv_layout.glsl), and dX[n, c, h, w] is the sum of the column entries that im2col read from
// x[n, c, h, w]: rows (c, r, s), columns (p, q) with p*stride - padding + r = h, q*stride - padding + s = w.
// One thread per element of dX gathers its entries in order r, s: no atomics, and the same sum on
// every run and device. Elements no window reads get 0 (dX is overwritten).
#extension GL_GOOGLE_include_directive : require
#include "include/grid_stride.glsl"
#include "include/conv_layout.glsl"

layout(std430, binding = 0) readonly buffer Columns { float columns[]; };
layout(std430, binding = 1) buffer InputGradient { float dx[]; };

void main()
{
    uint plane = out_height * out_width;
    uint rows = channels * kernel_height * kernel_width;
    uint count = images * channels * height * width;
    uint start = first_image * channels * height * width;
    for (uint i = gl_GlobalInvocationID.x; i < count; i += grid_stride())
    {
        uint w = i % width;
        uint h = (i / width) % height;
        uint c = (i / (width * height)) % channels;
        uint image = i / (width * height * channels);
        uint matrix = image * rows * plane;
        float sum = 0.0;
        for (uint r = 0; r < kernel_height; r++)
        {
            // The output row p whose window puts kernel row r on h, if there is one.
            int shifted_h = int(h + padding) - int(r);
            if (shifted_h < 0 || shifted_h % int(stride) != 0 || shifted_h / int(stride) >= int(out_height))
            {
                continue;
            }
            uint p = uint(shifted_h) / stride;
            for (uint s = 0; s < kernel_width; s++)
            {
                int shifted_w = int(w + padding) - int(s);
                if (shifted_w < 0 || shifted_w % int(stride) != 0 || shifted_w / int(stride) >= int(out_width))
                {
                    continue;
                }
                uint q = uint(shifted_w) / stride;
                uint row = (c * kernel_height + r) * kernel_width + s;
                sum += columns[matrix + row * plane + p * out_width + q];
            }
        }
        dx[start + i] = sum;
    }
}
