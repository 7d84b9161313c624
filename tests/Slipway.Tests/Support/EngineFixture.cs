using Slipway.Engine;

namespace Slipway.Tests.Support;

/// <summary>
/// The real container engine (DOCKER_HOST or the default socket) and the locally built base image.
/// scripts/install.sh provides both; tests fail loudly when they are missing rather than skipping.
/// </summary>
public static class TestEngine
{
    public const string BaseImage = "localhost/bookworm-python:latest";

    /// <param name="dockerHost">An engine's address; null: the environment's (DOCKER_HOST, else the default socket).</param>
    public static DockerEngine Create(string? dockerHost = null) => new(dockerHost is null ? EngineSelection.Resolve(null, Environment.GetEnvironmentVariable) : EngineEndpoint.Parse(dockerHost));

    /// <summary>A Flask app whose behaviour each test chooses through its source.</summary>
    public const string FlaskApp = """
        import os, time
        from flask import Flask
        app = Flask(__name__)
        VERSION = os.environ.get("SLIPWAY_VERSION", "dev")
        @app.get("/")
        def index():
            return f"version {VERSION}\n"
        @app.get("/slow")
        def slow():
            # Held until POST /release (a file, which both gunicorn workers see), at most SLOW_SECONDS.
            open("/tmp/slow-arrived", "w").close()
            deadline = time.time() + float(os.environ.get("SLOW_SECONDS", "1"))
            while time.time() < deadline and not os.path.exists("/tmp/released"):
                time.sleep(0.02)
            return f"slow {VERSION}\n"
        @app.get("/slow-arrived")
        def slow_arrived():
            return "yes" if os.path.exists("/tmp/slow-arrived") else "no"
        @app.post("/release")
        def release():
            open("/tmp/released", "w").close()
            return "released\n"
        @app.get("/files")
        def files():
            return "\n".join(sorted(os.path.relpath(os.path.join(d, f), "/app") for d, _, fs in os.walk("/app") for f in fs)) + "\n"
        @app.get("/secret-length")
        def secret_length():
            return str(len(os.environ.get("API_TOKEN", "")))
        """;

    public const string Dockerfile = $"""
        FROM {BaseImage}
        WORKDIR /app
        COPY . /app
        USER nobody
        CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--graceful-timeout", "10", "--timeout", "120", "app:app"]
        """;
}
