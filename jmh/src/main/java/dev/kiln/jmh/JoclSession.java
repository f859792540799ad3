package dev.kiln.jmh;

import org.jocl.CL;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/** The same objects as {@link KilnOpenClSession}, made through JOCL 2.0.5 (JNI). */
final class JoclSession implements AutoCloseable {
    final cl_context context;
    final cl_command_queue queue;
    final cl_program program;
    final cl_kernel kernel;
    final cl_mem buffer;

    @SuppressWarnings("deprecation")
    JoclSession(String source, String kernelName) {
        CL.setExceptionsEnabled(true);
        cl_platform_id[] platforms = new cl_platform_id[1];
        CL.clGetPlatformIDs(1, platforms, null);
        cl_device_id[] devices = new cl_device_id[1];
        CL.clGetDeviceIDs(platforms[0], CL.CL_DEVICE_TYPE_ALL, 1, devices, null);
        context = CL.clCreateContext(new cl_context_properties(), 1, devices, null, null, null);
        queue = CL.clCreateCommandQueue(context, devices[0], CL.CL_QUEUE_PROFILING_ENABLE, null);
        program = CL.clCreateProgramWithSource(context, 1, new String[]{source}, null, null);
        CL.clBuildProgram(program, 1, devices, "", null, null);
        kernel = CL.clCreateKernel(program, kernelName, null);
        buffer = CL.clCreateBuffer(context, CL.CL_MEM_READ_WRITE, 64, null, null);
    }

    @Override
    public void close() {
        CL.clReleaseMemObject(buffer);
        CL.clReleaseKernel(kernel);
        CL.clReleaseProgram(program);
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }
}
