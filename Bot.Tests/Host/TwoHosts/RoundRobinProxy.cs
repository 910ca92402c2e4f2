using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Bot.Tests.Host.TwoHosts;

/// <summary>
/// A load balancer on loopback: each request to the next host in turn. A host that refuses the connection (it is down) is
/// skipped and the request goes to the next, as nginx does when nothing was sent; a host that dies with the request in flight
/// answers 502, and the client does not know whether its turn was committed.
/// </summary>
public sealed class RoundRobinProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Proxy-Connection", "TE", "Trailer",
    };

    private readonly WebApplication _server;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
    private readonly Uri[] _hosts;
    private int _next;

    public Uri BaseAddress { get; }
    /// <summary>Requests each host answered, by its address.</summary>
    public Dictionary<Uri, int> Answered { get; }

    private RoundRobinProxy(WebApplication server, Uri[] hosts)
    {
        (_server, _hosts) = (server, hosts);
        Answered = hosts.ToDictionary(h => h, _ => 0);
        BaseAddress = new Uri(server.Urls.Single() + "/");
    }

    public static async Task<RoundRobinProxy> StartAsync(params Uri[] hosts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var server = builder.Build();
        RoundRobinProxy? proxy = null;
        server.Run(context => proxy!.ForwardAsync(context));
        await server.StartAsync();
        return proxy = new RoundRobinProxy(server, hosts);
    }

    public HttpClient Client() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private async Task ForwardAsync(HttpContext context)
    {
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var first = Interlocked.Increment(ref _next);
        for (var tried = 0; tried < _hosts.Length; tried++)
        {
            var host = _hosts[(uint)(first + tried) % (uint)_hosts.Length];
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(host, context.Request.Path + context.Request.QueryString));
            if (body.Length > 0 || context.Request.ContentLength is not null)
            {
                request.Content = new ByteArrayContent(body.ToArray());
            }
            foreach (var (name, values) in context.Request.Headers.Where(h => !HopByHop.Contains(h.Key)))
            {
                if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
                }
            }
            try
            {
                using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
                context.Response.StatusCode = (int)response.StatusCode;
                foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).Where(h => !HopByHop.Contains(h.Key)))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
                await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
                lock (Answered)
                {
                    Answered[host]++;
                }
                return;
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                // down, and nothing was sent: the next host
            }
            catch (HttpRequestException) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;   // died with the request in flight
                return;
            }
        }
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        _upstream.Dispose();
    }
}
