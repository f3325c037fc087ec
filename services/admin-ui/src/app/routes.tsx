import { Center, Loader } from '@mantine/core';
import { createBrowserRouter, Navigate } from 'react-router';
import { Layout } from './Layout';
import { RouteError } from './RouteError';

/** Each page is its own chunk, loaded when first visited. */
const page = (load: () => Promise<{ default: React.ComponentType }>) => async () => ({ Component: (await load()).default });

/** Shown while the first page's code loads. */
function PageLoading() {
  return (
    <Center h="100vh">
      <Loader />
    </Center>
  );
}

export const router = createBrowserRouter([
  { path: '/login', lazy: page(() => import('../pages/LoginPage')), errorElement: <RouteError />, HydrateFallback: PageLoading },
  { path: '/signup', lazy: page(() => import('../pages/SignupPage')), errorElement: <RouteError />, HydrateFallback: PageLoading },
  {
    path: '/',
    element: <Layout />,
    errorElement: <RouteError />,
    HydrateFallback: PageLoading,
    children: [
      { index: true, element: <Navigate to="/servers" replace /> },
      { path: 'servers', lazy: page(() => import('../pages/ServersPage')) },
      { path: 'servers/:guildId', element: <Navigate to="setup" replace /> },
      { path: 'servers/:guildId/setup', lazy: page(() => import('../pages/SetupPage')) },
      { path: 'servers/:guildId/moderation', lazy: page(() => import('../pages/ModerationPage')) },
      { path: 'servers/:guildId/moderation/log', lazy: page(() => import('../pages/ModerationLogPage')) },
      { path: 'servers/:guildId/proactive', lazy: page(() => import('../pages/ProactivePage')) },
      { path: 'knowledge', lazy: page(() => import('../pages/KnowledgePage')) },
      { path: 'live', lazy: page(() => import('../pages/LivePage')) },
      { path: 'usage', lazy: page(() => import('../pages/UsagePage')) },
      { path: 'bot', lazy: page(() => import('../pages/BotPage')) },
      { path: 'api-keys', lazy: page(() => import('../pages/ApiKeysPage')) },
      { path: 'team', lazy: page(() => import('../pages/TeamPage')) },
      { path: '*', lazy: page(() => import('../pages/NotFoundPage')) },
    ],
  },
]);
