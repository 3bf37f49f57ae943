-- wrk script of figure 9: the pages of the mixed load in turn on every connection, with the signed-in
-- viewer's cookie (wrk.headers, set from the command line); any answer but 200 is counted and reported.
local pages, cookie = {}, nil
local next_page = 0
-- Globals, not locals: done() reads them from each thread's own Lua state with thread:get.
bad, first_bad = 0, nil

function init(args)
  cookie = args[1]
  for i = 2, #args do pages[#pages + 1] = args[i] end
end

function request()
  next_page = next_page % #pages + 1
  return wrk.format('GET', pages[next_page], { Cookie = cookie })
end

function response(status)
  if status ~= 200 then
    bad = bad + 1
    first_bad = first_bad or status
  end
end

-- Each thread's counts, summed in done() (wrk runs this file once per thread).
local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency)
  local total_bad, status = 0, nil
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get('bad')
    status = status or t:get('first_bad')
  end
  -- Connections refused, cut or timed out count as bad answers too.
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout
  if failed > 0 then status = status or 'socket-error' end
  io.write(string.format('RESULT requests=%d seconds=%f p50=%f p99=%f bad=%d first_bad=%s\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, total_bad + failed, tostring(status)))
end
