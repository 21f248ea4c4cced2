-- Close the connection every 50th request, so each connection lives a fraction of a second and
-- gunicorn's gthread workers share the load instead of one pinning every keep-alive connection.
local sent = 0
request = function()
  sent = sent + 1
  if sent % 50 == 0 then
    return wrk.format(nil, nil, { ["Connection"] = "close" })
  end
  return wrk.format()
end
