/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'

// Several services under one origin, routed by path prefix (longest wins) and host.
export default defineConfig({
  port: 8080,
  routes: [
    { name: 'users', path: '/api/users', target: 'http://localhost:4001' },
    { name: 'orders', path: '/api/orders', target: ['http://localhost:4002', 'http://localhost:4012'] },
    { name: 'admin', path: '/', host: 'admin.localhost', target: 'http://localhost:4003', changeOrigin: true },
    { name: 'api', path: '/api', target: 'http://localhost:4000' },
    { name: 'web', path: '/', target: 'http://localhost:5173' },
  ],
})
