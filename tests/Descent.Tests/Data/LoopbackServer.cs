using System.Net;
using System.Net.Sockets;

namespace Descent.Tests.Data;

/// <summary>An HTTP server on 127.0.0.1 serving fixed files by path (404 for anything else), counting requests: a dataset host for tests.</summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly IReadOnlyDictionary<string, byte[]> files;
    private readonly Task serving;
    private int requests;

    public LoopbackServer(IReadOnlyDictionary<string, byte[]> files)
    {
        this.files = files;
        // A port the system has just handed out is free for the listener that follows.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(BaseUrl.ToString());
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    public int Requests => Volatile.Read(ref requests);

    public Uri UrlOf(string path) => new(BaseUrl, path);

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener's loop ends by the exception its stop raises.
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref requests);
            using var response = context.Response;
            if (files.TryGetValue(context.Request.Url!.AbsolutePath.TrimStart('/'), out var body))
            {
                response.ContentLength64 = body.Length;
                await response.OutputStream.WriteAsync(body);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
    }
}
