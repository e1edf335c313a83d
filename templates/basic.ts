/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'

// One service behind the proxy. Run `devproxy start`, then send requests to
// http://127.0.0.1:8080 instead of the service's own port.
export default defineConfig({
  port: 8080,
  routes: [
    {
      name: 'app',
      path: '/',
      target: 'http://localhost:3000',
    },
  ],
})
