// Element-wise shaders walk their elements with a grid stride, so a capped number of workgroups
// covers any size (maxComputeWorkGroupCount[0] can be as low as 65535). The workgroup width is
// specialization constant 0, chosen per device by the backend.
layout(local_size_x_id = 0) in;

uint grid_stride()
{
    return gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}
