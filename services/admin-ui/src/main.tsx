import '@mantine/core/styles.css';
import { Center, Loader, MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { shouldRetry } from './api/queries';
import { router } from './app/routes';
import './i18n';

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: shouldRetry, refetchOnWindowFocus: false } },
});

const theme = createTheme({ primaryColor: 'indigo', defaultRadius: 'md' });

// Mantine's default secondary text (gray 6 on white) is below WCAG AA contrast; one step darker passes.
const strongerDimmedText: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={strongerDimmedText}>
      <QueryClientProvider client={queryClient}>
        {/* Waits for the chosen language's strings before the first render. */}
        <Suspense
          fallback={
            <Center h="100vh">
              <Loader />
            </Center>
          }
        >
          <RouterProvider router={router} />
        </Suspense>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
