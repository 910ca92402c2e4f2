using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bot.Tests.Host.Proxy;

/// <summary>
/// Debian's nginx running deploy/nginx/bot.conf in front of a host: a free loopback port, its own prefix in a temporary
/// folder, a self-signed certificate made here. Several can run at once (the suite may run twice in parallel).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _certificateHash;

    public Uri BaseAddress { get; }
    public string Prefix { get; }

    private NginxProxy(Process process, string prefix, int port, string certificateHash)
    {
        (_process, Prefix, _certificateHash) = (process, prefix, certificateHash);
        BaseAddress = new Uri($"https://127.0.0.1:{port}/");
    }

    public static async Task<NginxProxy> StartAsync(HostProcess host)
    {
        var prefix = Directory.CreateTempSubdirectory("bot-nginx-").FullName;
        // nginx's workers (nobody, when the tests run as root) create their temporary folders here.
        File.SetUnixFileMode(prefix, (UnixFileMode)Convert.ToInt32("755", 8));
        var hash = WriteCertificate(prefix);
        for (var attempt = 1; ; attempt++)
        {
            var (port, redirectPort) = (FreePort(), FreePort());
            File.WriteAllText(Path.Combine(prefix, "bot.conf"), Site(prefix, port, redirectPort, host.BaseAddress.Port));
            File.WriteAllText(Path.Combine(prefix, "nginx.conf"), $$"""
                worker_processes 1;
                pid {{prefix}}/nginx.pid;
                error_log {{prefix}}/error.log warn;
                events { worker_connections 4096; }
                http {
                    client_body_temp_path {{prefix}}/client_body;
                    proxy_temp_path {{prefix}}/proxy;
                    fastcgi_temp_path {{prefix}}/fastcgi;
                    uwsgi_temp_path {{prefix}}/uwsgi;
                    scgi_temp_path {{prefix}}/scgi;
                    include {{prefix}}/bot.conf;
                }
                """);
            var start = new ProcessStartInfo("nginx", ["-p", prefix + "/", "-c", Path.Combine(prefix, "nginx.conf"), "-e", Path.Combine(prefix, "error.log"),
                "-g", "daemon off; master_process on;"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            var process = Process.Start(start)!;
            var proxy = new NginxProxy(process, prefix, port, hash);
            if (await proxy.ListeningAsync())
            {
                return proxy;
            }
            var error = File.Exists(Path.Combine(prefix, "error.log")) ? File.ReadAllText(Path.Combine(prefix, "error.log")) : "";
            await proxy.DisposeAsync();
            // Another process took a port between the check and nginx's bind: again on others.
            if (attempt == 3 || !error.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("nginx did not start:\n" + error + await process.StandardError.ReadToEndAsync());
            }
        }
    }

    /// <summary>
    /// A client of the proxy that trusts exactly its certificate; <paramref name="from"/> is the loopback address it connects
    /// from (127.0.0.2, 127.0.0.3…: distinct clients as nginx sees them).
    /// </summary>
    public HttpClient Client(IPAddress? from = null, CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            EnableMultipleHttp2Connections = true,   // for requests sent as HTTP/2: more streams than one connection allows
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == _certificateHash,
            },
        };
        if (from is not null)
        {
            handler.ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The deployment's own site file, with only what a test machine must change: ports and certificate.</summary>
    private static string Site(string prefix, int port, int redirectPort, int hostPort)
    {
        var site = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", "nginx", "bot.conf"));
        foreach (var (from, to) in new[]
        {
            ("listen 443 ssl http2;", $"listen 127.0.0.1:{port} ssl http2;"),
            ("listen [::]:443 ssl http2;", ""),
            ("listen 80;", $"listen 127.0.0.1:{redirectPort};"),
            ("listen [::]:80;", ""),
            ("/etc/letsencrypt/live/chat.example.org/fullchain.pem", Path.Combine(prefix, "cert.pem")),
            ("/etc/letsencrypt/live/chat.example.org/privkey.pem", Path.Combine(prefix, "key.pem")),
            ("server 127.0.0.1:5080;", $"server 127.0.0.1:{hostPort};"),
        })
        {
            if (!site.Contains(from, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"deploy/nginx/bot.conf no longer has '{from}': the proxy tests must follow it");
            }
            site = site.Replace(from, to, StringComparison.Ordinal);
        }
        return site;
    }

    private static string WriteCertificate(string prefix)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(prefix, "cert.pem"), certificate.ExportCertificatePem());
        var keyPath = Path.Combine(prefix, "key.pem");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    private async Task<bool> ListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, BaseAddress.Port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);   // the master and its worker
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
