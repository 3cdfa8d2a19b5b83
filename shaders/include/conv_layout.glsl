// The push constants of a convolution's column shaders (conv2d_im2col.comp, conv2d_col2im.comp): the
// geometry of Descent.Kernels.Conv2dShape, and which images of the batch one dispatch covers. A batch
// whose column matrices would not fit the backend's scratch buffer is done in chunks of images.
// An image's column matrix is (C*KH*KW, P*Q): row (c, r, s), column (p, q) holds
// x[c, p*stride - padding + r, q*stride - padding + s], zero outside the input. With ones_row 1 (the
// weight gradient's) im2col appends a row of ones, so the GEMM dY_n columns_n^T also sums dY_n over the
// positions: the bias gradient, in its last column. The scratch buffer holds the chunk's matrices one
// after another, image first_image at 0.
layout(push_constant) uniform ConvLayout
{
    uint first_image;
    uint images;
    uint channels;
    uint height;
    uint width;
    uint kernel_height;
    uint kernel_width;
    uint stride;
    uint padding;
    uint out_height;
    uint out_width;
    uint ones_row;
};
