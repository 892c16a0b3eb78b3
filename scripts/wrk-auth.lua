-- wrk script: GET with the Authorization header taken from the TOKEN environment variable.
--   TOKEN=... wrk -t2 -c32 -d10s -s scripts/wrk-auth.lua http://127.0.0.1:PORT/api/quizzes
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
